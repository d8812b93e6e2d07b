import Foundation
import TestSupport
import Testing

/// Ctrl-C as people press it, on the real binary: the first SIGINT drains (an action still running may
/// finish within `dispatcher.shutdown_grace`), a second one stops now instead of waiting the grace out.
@Suite struct SecondInterruptTests {
    @Test func aSecondSIGINTStopsWithoutWaitingForTheDrain() async throws {
        try await BotProcessFixture.with { fixture in
            let started = fixture.directory.appendingPathComponent("started").path
            let script = fixture.directory.appendingPathComponent("slow-action").path
            // Runs far longer than the test waits: only a stop that does not wait for it ends the bot.
            try "#!/bin/sh\ntouch '\(started)'\nexec sleep 300\n".write(toFile: script, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
            try """
            listener:
              bind: "127.0.0.1:0"
              path: /webhooks/avala
              verify: { scheme: avala, secrets: ["${HOOK_SECRET}"] }
              tls: { cert: "\(fixture.certificates.certificatePath)", key: "\(fixture.certificates.keyPath)" }
            store: { sqlite: "\(fixture.storePath)" }
            dispatcher: { shutdown_grace: 10m }
            plugins:
              exec:
                commands:
                  slow: { path: "\(script)", timeout: 10m }
            rules:
              - { name: slow, on: bench.ping, do: [{ exec: { command: slow } }] }
            log: { level: info, format: logfmt }
            """.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)

            try await SignedDeliveries.with(trusting: fixture.certificates.certificatePath) { deliveries in
                let bot = try await fixture.start()
                let answer = try await deliveries.deliver("slow-1", port: bot.port)
                #expect(answer.status == 202, "\(answer)")
                try await Eventually.until(timeout: .seconds(30)) { FileManager.default.fileExists(atPath: started) }

                bot.send(SIGINT)
                try await Eventually.until(timeout: .seconds(30)) { bot.log.contains("avala-bot stopping") }
                bot.send(SIGINT)
                // Well inside the 10-minute grace and the action's 5-minute sleep: the second SIGINT ended it.
                try await Eventually.until(timeout: .seconds(60)) { bot.exit != nil }
                #expect(bot.exit == .status(130), "\(String(describing: bot.exit)); log:\n\(bot.log)")
                #expect(bot.log.contains("second SIGINT: stopping now"), "\(bot.log)")
                #expect(bot.log.contains("avala-bot stopped by a second SIGINT"), "\(bot.log)")
            }
        }
    }
}
