import BotKit
import Foundation
import GRDB
import Testing

@testable import BotEngine

/// A pruning pass that has much to remove (`store.retention` shortened on a year of events) deletes in
/// slices of `maxPrunedPerTransaction`, each its own write transaction, oldest first, so the writer is
/// never held for the whole pass; and each slice is found through an index.
@Suite struct StorePruneSliceTests {
    @Test func aLargePassDeletesInSlicesOfItsOwnTransaction() async throws {
        try await StoreFile.with { file in
            let store = try await file.open { $0.maxPrunedPerTransaction = 10 }
            let start = file.clock.now
            // 35 events done a second apart, each with its key; the 6th holds a dead letter.
            _ = try await store.ingest((0..<35).map { makeStoreEvent("e-\($0)", keys: ["k-\($0)"]) })
            try await store.recordIntent(
                StepIntent(stepID: "s-dead", eventID: "e-5", rule: "r", actionIndex: 0, plugin: "log", action: "write", at: start)
            )
            _ = try await store.recordOutcome(StepOutcome(stepID: "s-dead", status: .dead, detail: "HTTP 500", at: start), raising: [])
            _ = try await store.claim(limit: 35, now: start)
            for index in 0..<35 {
                file.clock.advance(by: 1)
                try await store.finish(eventID: "e-\(index)", result: .done)
            }

            // Up to the 30th: 29 go (the dead letter's event stays), in slices of 10, 10 and 9; then 35
            // keys (an event's done, so its key may go) in 10, 10, 10 and 5.
            let before = store.committedWriteTransactions
            let result = try await store.prune(doneBefore: start.addingTimeInterval(30.5), keysBefore: file.clock.now.addingTimeInterval(1))
            #expect(result == PruneResult(events: 29, keys: 35))
            #expect(store.committedWriteTransactions - before == 3 + 4)
            let left = try await store.recentEvents(limit: 100, since: nil).map(\.event.id)
            #expect(Set(left) == ["e-5", "e-30", "e-31", "e-32", "e-33", "e-34"])
            #expect(try await store.deadLetterCount() == 1)

            // A slice exactly full is followed by one that finds nothing: the pass ends there.
            let rest = try await store.prune(doneBefore: file.clock.now.addingTimeInterval(1), keysBefore: start)
            #expect(rest == PruneResult(events: 5, keys: 0))
        }
    }

    /// The statements a slice runs: each seeks its index, oldest first, without a sort or a pass over
    /// the table.
    @Test func aSliceIsFoundThroughItsIndex() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let (events, keys) = try await store.pool.read { db in
                (
                    try Self.plan(db, SQLiteEventStore.prunableEventsSQL, [1, 10]),
                    try Self.plan(db, SQLiteEventStore.pruneKeysSQL, [1, 10])
                )
            }
            #expect(events.first == "SEARCH events USING INDEX events_done_finished (finished_at<?)", "\(events)")
            #expect(keys.contains("SEARCH event_keys USING INDEX event_keys_first_seen (first_seen<?)"), "\(keys)")
            for plan in events + keys {
                #expect(!plan.hasPrefix("SCAN") && !plan.contains("TEMP B-TREE"), "\(plan)")
            }
        }
    }

    static func plan(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> [String] {
        try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(sql)", arguments: arguments).map { $0["detail"] }
    }
}
