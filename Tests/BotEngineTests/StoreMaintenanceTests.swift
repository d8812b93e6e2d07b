import BotEngine
import BotKit
import Foundation
import Logging
import Testing

/// Retention: done events go after `retention`, dedup keys after `key_retention`, on the test clock.
@Suite struct StoreMaintenanceTests {
    @Test func pruningRemovesOldDoneEventsAndOldKeysOnly() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let old = Event(id: "old", type: .exportCompleted, source: .webhook, keys: ["export.completed:old"])
            let open = Event(id: "open", type: .exportCompleted, source: .webhook, keys: ["export.completed:open"])
            _ = try await store.ingest([old, open])
            _ = try await store.claim(limit: 10, now: file.clock.now)
            try await store.finish(eventID: "old", result: .done)
            try await store.finish(eventID: "open", result: .pendingUntil(file.clock.now.addingTimeInterval(86_400 * 60)))
            file.clock.advance(by: 8 * 86_400)
            let maintenance = StoreMaintenance(
                store: store,
                retention: .seconds(7 * 86_400),
                keyRetention: .seconds(30 * 86_400),
                now: { file.clock.now },
                logger: Logger(label: "test")
            )
            let first = try #require(await maintenance.pruneOnce())
            #expect(first.events == 1)
            #expect(first.keys == 0)
            #expect(try await store.event(id: "old") == nil)
            #expect(try await store.event(id: "open") != nil)
            // The old event's key outlives it until key retention: a late redelivery is still a duplicate.
            #expect(!(try await store.ingest(old)).isNew)
            file.clock.advance(by: 30 * 86_400)
            let second = try #require(await maintenance.pruneOnce())
            #expect(second.keys == 1)
            #expect(try await store.ingest(old).isNew)
            #expect(try await store.event(id: "open") != nil)
        }
    }

    /// A short retention is honoured within a quarter of itself, not at the next hourly pass; a long one
    /// is still pruned hourly, and a pass is never more often than once a minute.
    @Test func passesComeOftenEnoughForTheRetention() {
        let day = Duration.seconds(86_400)
        #expect(StoreMaintenance.interval(retention: .seconds(7 * 86_400), keyRetention: day * 30) == .seconds(3_600))
        #expect(StoreMaintenance.interval(retention: .seconds(600), keyRetention: day * 30) == .seconds(150))
        #expect(StoreMaintenance.interval(retention: day * 7, keyRetention: .seconds(1_200)) == .seconds(300))
        #expect(StoreMaintenance.interval(retention: .zero, keyRetention: day * 30) == .seconds(60))
    }
}
