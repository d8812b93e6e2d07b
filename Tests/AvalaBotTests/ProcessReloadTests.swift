import Foundation
import TestSupport
import Testing

/// SIGHUP on the real binary (the signal handling itself, which in-process tests cannot reach): the
/// listener serves new connections with the certificate now on disk, while deliveries keep streaming on
/// the connections already open, none of them dropped or refused.
@Suite(.serialized) struct ProcessReloadTests {
    static let senders = 8
    static let acceptedEachSide = 50

    @Test func sighupSwapsTheCertificateWithoutDroppingADelivery() async throws {
        try await BotProcessFixture.with { fixture in
            let bot = try await fixture.start()
            let replacement = try await TestCertificates.make()
            defer { replacement.remove() }
            let oldCertificate = fixture.directory.appendingPathComponent("old.crt").path
            try FileManager.default.copyItem(atPath: fixture.certificates.certificatePath, toPath: oldCertificate)
            try await SignedDeliveries.with(trusting: fixture.certificates.certificatePath) { deliveries in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for sender in 0..<Self.senders {
                        group.addTask { await deliveries.stream(sender: sender, port: bot.port) }
                    }
                    try await Eventually.until(timeout: .seconds(60)) { deliveries.acceptedCount >= Self.acceptedEachSide }
                    for (source, target) in [
                        (replacement.certificatePath, fixture.certificates.certificatePath),
                        (replacement.keyPath, fixture.certificates.keyPath),
                    ] {
                        try FileManager.default.removeItem(atPath: target)
                        try FileManager.default.copyItem(atPath: source, toPath: target)
                    }
                    bot.send(SIGHUP)
                    try await Eventually.until(timeout: .seconds(30)) { bot.log.contains("Listener certificate reloaded") }
                    // Named for the operator (serial and expiry), not as the TLS library's debug text.
                    let reloaded = bot.log.split(separator: "\n").first { $0.contains("Listener certificate reloaded") } ?? ""
                    #expect(reloaded.contains(#"tls.certificate="serial "#) && reloaded.contains(", valid until 20"), "\(reloaded)")
                    let acceptedAtReload = deliveries.acceptedCount
                    try await Eventually.until(timeout: .seconds(60)) {
                        deliveries.acceptedCount >= acceptedAtReload + Self.acceptedEachSide
                    }
                    deliveries.stopStreams()
                    try await group.waitForAll()
                }
                #expect(deliveries.errors.isEmpty, "requests that failed: \(deliveries.errors.prefix(5))")
                #expect(deliveries.unexpected.isEmpty, "answers other than 202: \(deliveries.unexpected.prefix(5))")
            }
            // A new connection gets the new certificate: a client that trusts only it is served …
            try await SignedDeliveries.with(trusting: replacement.certificatePath) { fresh in
                let answer = try await fresh.deliver("after-reload", port: bot.port)
                #expect(answer.status == 202, "\(answer)")
            }
            // … and a new client that trusts only the old one fails its handshake.
            try await SignedDeliveries.with(trusting: oldCertificate) { old in
                await #expect(throws: (any Error).self) { try await old.deliver("old-trust", port: bot.port) }
            }
            bot.send(SIGTERM)
            let exit = await bot.waitForExit()
            #expect(exit == .status(0), "\(exit); log:\n\(bot.log)")
            // The stop is announced when it begins and when it is over.
            #expect(bot.log.contains("avala-bot stopping: no new work is taken; in-flight actions may finish"), "\(bot.log)")
            // The grace as the config writes it, not as Swift prints a Duration ("5.0 seconds").
            #expect(bot.log.contains("shutdown.grace=5s"), "\(bot.log)")
            #expect(bot.log.contains("avala-bot stopped"))
        }
    }
}
