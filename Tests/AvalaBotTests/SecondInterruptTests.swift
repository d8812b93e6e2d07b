import Foundation
import TestSupport
import Testing

/// Ctrl-C as people press it, on the real binary: the first SIGINT drains (an action still running may
/// finish within `dispatcher.shutdown_grace`), a second one stops now instead of waiting the grace out.
@Suite struct SecondInterruptTests {
    @Test func aSecondSIGINTStopsWithoutWaitingForTheDrain() async throws {
        try await BotProcessFixture.with { fixture in
            // Runs far longer than the test waits: only a stop that does not wait for it ends the bot.
            let started = try fixture.writeSlowActionConfig(shutdownGrace: "10m")

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
