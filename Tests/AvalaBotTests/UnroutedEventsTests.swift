import BotKit
import Foundation
import TestSupport
import Testing

@testable import AvalaBot
@testable import BotEngine

/// Events no rule routes (most webhooks of a busy organization) are marked done together, one write per
/// claimed batch instead of one per event, and never reach a plugin.
@Suite struct UnroutedEventsTests {
    @Test func eventsNoRuleRoutesAreFinishedTogether() async throws {
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: only-exports
                    on: export.completed
                    do:
                      - log: { message: "export {{export.uid}}" }
                """
        )
        defer { harness.removeFiles() }
        for n in 0..<24 {
            _ = try await harness.store.ingest(
                Event(type: "bench.ping", source: .webhook, data: ["n": .number(Double(n))], keys: ["delivery:bench:\(n)"])
            )
        }
        _ = try await harness.store.ingest(
            Event(
                type: .exportCompleted,
                source: .webhook,
                subject: .init(kind: "export", uid: "e-1"),
                data: ["export": ["uid": "e-1"]],
                keys: ["k-e-1"]
            )
        )
        let before = harness.store.committedWriteTransactions
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(concurrency: 4), logger: harness.logger) {
            try await harness.until { try await harness.store.queueDepth() == 0 }
        }
        let writes = harness.store.committedWriteTransactions - before
        // One finish per event would be 24 writes for the unrouted ones alone, before any claim.
        #expect(writes < 20, "\(writes) write transactions")
        let events = try await harness.store.recentEvents(limit: 50, since: nil)
        #expect(events.count == 25)
        #expect(events.allSatisfy { $0.status == .done })
        for stored in events where stored.event.type.rawValue == "bench.ping" {
            #expect(try await harness.store.steps(eventID: stored.event.id).isEmpty)
        }
        #expect(harness.renderedLogs.contains("logged: export e-1"))
    }
}
