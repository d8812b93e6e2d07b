import BotKit
import Foundation
import TestSupport
import Testing

@testable import AvalaBot

/// A SIGTERM drain that `dispatcher.shutdown_grace` cuts short, on the real binary: the actions still
/// running are cancelled and resume at the next start, so the stop is not clean, and a service manager
/// must not record it as one: the bot exits with its own status and names the events it left.
@Suite struct DrainCutShortTests {
    @Test func aDrainCutShortExitsNonZeroNamingTheEventsLeft() async throws {
        try await BotProcessFixture.with { fixture in
            // Runs far longer than the grace period: only cancelling it ends the drain.
            let started = try fixture.writeSlowActionConfig(shutdownGrace: "1s")

            try await SignedDeliveries.with(trusting: fixture.certificates.certificatePath) { deliveries in
                let bot = try await fixture.start()
                let answer = try await deliveries.deliver("slow-1", port: bot.port)
                #expect(answer.status == 202, "\(answer)")
                try await Eventually.until(timeout: .seconds(30)) { FileManager.default.fileExists(atPath: started) }
                let listed = try InspectCommandTests.objects(
                    try await InspectCommandTests.run(["events", "list", "--store", fixture.storePath, "--json"])
                )
                let id = try #require(listed.first?["id"]?.stringValue)

                bot.send(SIGTERM)
                let exit = await bot.waitForExit()
                #expect(exit == .status(RunCommand.drainCutShortStatus), "\(exit); log:\n\(bot.log)")
                #expect(exit != .status(0))
                #expect(bot.log.contains("avala-bot stopped before in-flight actions finished"), "\(bot.log)")
                #expect(bot.log.contains("event.ids=\(id)"), "\(bot.log)")
                #expect(!bot.log.contains("msg=\"avala-bot stopped\""), "\(bot.log)")

                // Left running in the store, with no bot: shown as waiting for the next start.
                let after = try await InspectCommandTests.run(["events", "list", "--store", fixture.storePath])
                #expect(after.contains(" interrupted "), "\(after)")
                #expect(after.contains(InspectFormat.interruptedNote), "\(after)")
            }
        }
    }
}
