import BotKit
import Testing
import WebhookListener

@testable import BotEngine

/// `check-config` warns from EventBodyKeys' hand-kept tables; this holds them to the
/// `bot.webhook.rejected_burst` body the listener really builds, so a key added to it (or a count turned
/// into an object) without its table fails here rather than as a wrong warning in the field.
@Suite struct BurstBodyKeysTests {
    @Test func rejectedBurstBody() async throws {
        var configuration = ListenerHarness.plainConfiguration()
        configuration.rejectedBurst = RejectedBurstPolicy(threshold: 2, window: .seconds(3_600))
        try await ListenerHarness.with(configuration) { harness async throws in
            for attempt in 0..<2 {
                let body = ListenerTests.exportBody
                let answer = try await harness.post(body: body, headers: ListenerHarness.avalaHeaders(body, secret: "forged-\(attempt)"))
                #expect(answer.status == 401)
            }
            let event = try #require(try await harness.events().first?.event)
            #expect(event.type == .botWebhookRejectedBurst)
            let mismatches = EventBodyKeys.mismatches(in: event.data, for: event.type)
            #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "; "))")
        }
    }
}
