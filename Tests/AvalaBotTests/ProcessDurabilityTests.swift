import Foundation
import TestSupport
import Testing

/// PRODUCT.md's first guarantee, "a webhook answered 2xx is already on disk", checked on the real binary:
/// signed deliveries stream in over TLS while the process is stopped — SIGKILL, which ends it mid-write,
/// or SIGTERM and SIGINT, on which it must drain — and then a new process on the same store must
/// recognise every delivery the first one answered 202 as a duplicate.
@Suite(.serialized) struct ProcessDurabilityTests {
    /// Deliveries answered 202 before the signal is sent: enough that many are in flight around it.
    static let acceptedBeforeSignal = 100
    static let senders = 8

    @Test(arguments: [SIGKILL, SIGTERM, SIGINT])
    func everyDeliveryAnswered202SurvivesTheProcess(signal: Int32) async throws {
        try await BotProcessFixture.with { fixture in
            try await SignedDeliveries.with(trusting: fixture.certificates.certificatePath) { deliveries in
                // First process: deliveries until the signal ends it.
                let first = try await fixture.start()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for sender in 0..<Self.senders {
                        group.addTask { await deliveries.stream(sender: sender, port: first.port) }
                    }
                    try await Eventually.until(timeout: .seconds(60)) { deliveries.acceptedCount >= Self.acceptedBeforeSignal }
                    first.send(signal)
                    try await group.waitForAll()
                }
                let exit = await first.waitForExit()
                #expect(exit == (signal == SIGKILL ? .signal(SIGKILL) : .status(0)), "\(exit); log:\n\(first.log)")
                // A stopping process may drop a connection; it must never answer anything but 202 to a new
                // delivery (this bot drains on SIGTERM and SIGINT rather than answering 503).
                #expect(deliveries.unexpected.isEmpty, "answers other than 202: \(deliveries.unexpected.prefix(5))")
                let accepted = deliveries.accepted
                try #require(accepted.count >= Self.acceptedBeforeSignal)

                // Second process on the same store: every delivery answered 202 is known.
                let second = try await fixture.start()
                var notStored: [String] = []
                for id in accepted.sorted() {
                    let answer = try await deliveries.deliver(id, port: second.port)
                    if answer.status != 200 || !answer.body.contains(#""duplicate":true"#) { notStored.append("\(id): \(answer)") }
                }
                #expect(
                    notStored.isEmpty,
                    "\(notStored.count) of \(accepted.count) deliveries answered 202 were lost: \(notStored.prefix(5))"
                )
                // A delivery the first process never saw is new: the second does not call everything a duplicate.
                let fresh = try await deliveries.deliver("never-sent-before", port: second.port)
                #expect(fresh.status == 202, "\(fresh)")
                second.send(SIGTERM)
                let secondExit = await second.waitForExit()
                #expect(secondExit == .status(0), "\(secondExit); log:\n\(second.log)")
                // Which Avala it talks to, from AVALA_BASE_URL here, is in its first line.
                #expect(second.log.contains("api.base_url=\(fixture.environment["AVALA_BASE_URL"] ?? "?")"), "\(second.log)")
            }
        }
    }
}
