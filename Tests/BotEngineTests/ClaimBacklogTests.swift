import BotKit
import Foundation
import GRDB
import Synchronization
import Testing

@testable import BotEngine

/// A claim with many events waiting on their backoff: it takes the due ones without reading those that
/// wait, and the subject rule still counts the waiting ones.
@Suite struct ClaimBacklogTests {
    /// The SQL of the statements the writer ran, as its trace saw them.
    final class Statements: Sendable {
        let sql = Mutex<[String]>([])
    }

    /// 1,000 events wait on their backoff ahead of the due ones. The due ones are claimed in `seq` order;
    /// the one about a subject whose earlier event waits stays back. The claim reads pending events only
    /// as ranges of the due index (its plan, read from the writer's own statement): before, it walked
    /// every pending event in `seq` order and looked each one's due time up in the table.
    @Test func dueEventsBehindAThousandWaitingOnesAreClaimedWithoutReadingThem() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            _ = try await store.ingest([makeStoreEvent("retry-1"), makeStoreEvent("s-1", subject: "s")])
            _ = try await store.ingest((0..<1_000).map { makeStoreEvent("wait-\($0)", subject: "wait-\($0)") })
            _ = try await store.ingest([makeStoreEvent("s-2", subject: "s"), makeStoreEvent("fresh-1")])
            try await store.pool.write { db in
                try db.execute(
                    sql: "UPDATE events SET next_attempt_at = ?, attempts = 1 WHERE id LIKE 'wait-%' OR id = 's-1'",
                    arguments: [now.addingTimeInterval(60).timeIntervalSince1970]
                )
                try db.execute(
                    sql: "UPDATE events SET next_attempt_at = ?, attempts = 1 WHERE id = 'retry-1'",
                    arguments: [now.addingTimeInterval(-1).timeIntervalSince1970]
                )
            }

            let claimSQL = Statements()
            try await store.pool.writeWithoutTransaction { db in
                db.trace { event in
                    if case .statement(let statement) = event, statement.sql.contains("FROM events AS e") {
                        claimSQL.sql.withLock { $0.append(statement.sql) }
                    }
                }
            }
            let claimed = try await store.claim(limit: 10, now: now)
            #expect(claimed.map(\.event.id) == ["retry-1", "fresh-1"], "s-2 waits behind s-1, which waits on its backoff")

            let sql = try #require(claimSQL.sql.withLock { $0.first })
            let plan = try await store.pool.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(sql)", arguments: [now.timeIntervalSince1970, 10]).map { $0["detail"] as String }
            }
            let pendingReads = plan.filter { $0.contains(" e ") }
            #expect(!pendingReads.isEmpty, "\(plan)")
            #expect(
                pendingReads.allSatisfy { $0.contains("next_attempt_at") },
                "every read of the pending events is bounded by the due time: \(plan)"
            )

            // Once they are due, the waiting events go in `seq` order, and s-2 still waits for s-1.
            let later = now.addingTimeInterval(60)
            let first = try await store.claim(limit: 3, now: later).map(\.event.id)
            #expect(first == ["s-1", "wait-0", "wait-1"])
            for id in first { try await store.finish(eventID: id, result: .done) }
            let rest = try await store.claim(limit: 1_000, now: later).map(\.event.id)
            #expect(rest == (2..<1_000).map { "wait-\($0)" } + ["s-2"])
        }
    }

    /// Among events due again after a backoff, the earliest due go first; each subject keeps its order:
    /// a later event about a subject waits for the earlier one, whenever that one is due.
    @Test func retriesGoEarliestDueFirstAndEachSubjectKeepsItsOrder() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            _ = try await store.ingest([
                makeStoreEvent("x-1", subject: "x"), makeStoreEvent("y-1", subject: "y"), makeStoreEvent("x-2", subject: "x"),
                makeStoreEvent("y-2", subject: "y"),
            ])
            #expect(try await store.claim(limit: 10, now: now).map(\.event.id) == ["x-1", "y-1"])
            try await store.finish(eventID: "x-1", result: .pendingUntil(now.addingTimeInterval(30)))
            try await store.finish(eventID: "y-1", result: .pendingUntil(now.addingTimeInterval(10)))

            #expect(try await store.claim(limit: 10, now: now.addingTimeInterval(5)).isEmpty, "x-2 and y-2 wait for their subjects")
            // Two due retries and room for one: y-1 was due first.
            #expect(try await store.claim(limit: 1, now: now.addingTimeInterval(30)).map(\.event.id) == ["y-1"])
            #expect(try await store.claim(limit: 10, now: now.addingTimeInterval(30)).map(\.event.id) == ["x-1"])
            try await store.finish(eventID: "x-1", result: .done)
            try await store.finish(eventID: "y-1", result: .done)
            #expect(try await store.claim(limit: 10, now: now.addingTimeInterval(30)).map(\.event.id) == ["x-2", "y-2"])
        }
    }

    /// A store made before the due index gets it when opened; its pending events are claimed as before.
    @Test func anOlderStoreGetsTheDueIndexByMigration() async throws {
        try await StoreFile.with { file in
            try FileManager.default.createDirectory(
                atPath: (file.path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            let old = try DatabaseQueue(path: file.path)
            try SQLiteEventStore.migrator.migrate(old, upTo: "v4: events waiting only on deferred actions")
            try await old.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO events (id, type, source, origin, time, data, keys, status, stored_at)
                        VALUES ('old-1', 'export.completed', 'webhook', 'test', 0, '{}', '[]', 'pending', 0)
                        """
                )
            }
            try old.close()

            let store = try await file.open()
            let indexes = try await store.pool.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name")
            }
            #expect(indexes.contains("events_status_due"))
            #expect(!indexes.contains("events_status_seq"), "replaced, not kept beside it: \(indexes)")
            #expect(try await store.claim(limit: 10, now: file.clock.now).map(\.event.id) == ["old-1"])
        }
    }
}
