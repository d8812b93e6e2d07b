import BotEngine
import BotKit
import Foundation
import TestSupport
import Testing

@testable import AvalaBot

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
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(concurrency: 4), logger: harness.logger) {
            try await harness.until { try await harness.store.queueDepth() == 0 }
        }
        let events = try await harness.store.recentEvents(limit: 50, since: nil)
        // Each claimed batch (at most 4 here: the dispatcher's concurrency) is finished in one write, so
        // its events share one finish time; one write per event would give 24 different times.
        let unroutedTimes = Set(events.filter { $0.event.type.rawValue == "bench.ping" }.compactMap(\.finishedAt))
        #expect(unroutedTimes.count <= 6, "\(unroutedTimes.count) finish writes for 24 events")
        #expect(events.count == 25)
        #expect(events.allSatisfy { $0.status == .done })
        for stored in events where stored.event.type.rawValue == "bench.ping" {
            #expect(try await harness.store.steps(eventID: stored.event.id).isEmpty)
        }
        #expect(harness.renderedLogs.contains("logged: export e-1"))
    }
}
