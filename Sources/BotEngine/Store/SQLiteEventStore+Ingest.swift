import BotKit
import GRDB
import Logging

extension SQLiteEventStore {
    /// Batches the drain writes before it lets other writers (claims, the journal) have the writer:
    /// under a steady stream of webhooks, ingest must not keep the dispatcher from ever writing.
    static let batchesPerDrainTurn = 4

    /// Schedules a drain of the ingest queue on the writer (``IngestBatcher``): up to
    /// ``batchesPerDrainTurn`` batches, one transaction each, then — when more is queued — another turn
    /// behind the writes that queued up meanwhile.
    func startIngestDrain() {
        pool.asyncWriteWithoutTransaction { db in
            for _ in 0..<Self.batchesPerDrainTurn {
                guard let batch = self.batcher.nextBatch() else { return }
                self.batcher.answer(batch, with: self.flush(batch.requests, in: db))
            }
            self.startIngestDrain()
        }
    }

    /// Writes one batch of `ingest` requests in one transaction: the group commit of ``IngestBatcher``.
    ///
    /// Each request runs in its own savepoint, so a request that fails on its own account (an event id
    /// already taken) is rolled back and answered with its error while the others commit. A request of
    /// one event needs no savepoint: see ``insert(_:snapshots:now:in:)``.
    ///
    /// Any other error (one from SQLite: a constraint, a full disk, I/O) rolls the whole transaction
    /// back. The requests are then written again, each in a transaction of its own, so an error that
    /// belongs to one request fails only that one, and an error of the disk fails each of them.
    func flush(_ batch: [IngestBatcher.Request], in db: Database) -> [IngestBatcher.Response] {
        let now = Self.seconds(configuration.now())
        do {
            let responses: [IngestBatcher.Response] = try transaction(db) { db in
                if batch.count == 1 {
                    return [.success(try Self.insert(batch[0].events, snapshots: batch[0].snapshots, now: now, in: db))]
                }
                return try batch.map { request in
                    do {
                        if request.events.count <= 1 {
                            // No savepoint needed (they cost as much as the insert): the one check that
                            // can fail a single event comes before anything of its request is written.
                            return .success(try Self.insert(request.events, snapshots: request.snapshots, now: now, in: db))
                        }
                        var results: [IngestResult] = []
                        try db.inSavepoint {
                            results = try Self.insert(request.events, snapshots: request.snapshots, now: now, in: db)
                            return .commit
                        }
                        return .success(results)
                    } catch let error as SQLiteEventStoreError {
                        return .failure(error)
                    }
                }
            }
            if logger.logLevel <= .debug {
                let results = responses.flatMap { (try? $0.get()) ?? [] }
                let new = results.count(where: \.isNew)
                logger.debug(
                    "Ingest batch committed",
                    metadata: [
                        "batch.requests": "\(batch.count)", "events.new": "\(new)", "events.duplicate": "\(results.count - new)",
                    ]
                )
            }
            return responses
        } catch {
            logger.debug("Ingest batch failed", metadata: ["batch.requests": "\(batch.count)", "error": "\(error)"])
            guard batch.count > 1 else { return [.failure(error)] }
            return batch.flatMap { flush([$0], in: db) }
        }
    }

    /// Stores each event none of whose keys is known yet, with all its keys, then saves the snapshots.
    ///
    /// Events are taken in order, and each one's keys are recorded before the next is checked: of two
    /// events sharing a key, the first is new and the second a duplicate of it. An event without keys is
    /// always new.
    ///
    /// - Throws: `.eventIDConflict` when a new event's id is already stored. For the first event, that
    ///   happens before anything is written: the batch writer relies on it, so keep the snapshots last.
    static func insert(
        _ events: [PreparedEvent],
        snapshots: [(key: String, value: String)],
        now: Double,
        in db: Database
    ) throws -> [IngestResult] {
        let findKey = try db.cachedStatement(sql: "SELECT event_id FROM event_keys WHERE key = ?")
        // Only a clash on `id` is turned into "no row": any other constraint still fails loudly.
        let insertEvent = try db.cachedStatement(
            sql: """
                INSERT INTO events (
                    id, type, source, origin, time, subject_kind, subject_uid, data, keys, chain_depth, replay_of,
                    status, attempts, next_attempt_at, stored_at, finished_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, NULL, ?, NULL)
                ON CONFLICT (id) DO NOTHING
                """
        )
        let insertKey = try db.cachedStatement(sql: "INSERT INTO event_keys (key, event_id, first_seen) VALUES (?, ?, ?)")

        var results: [IngestResult] = []
        results.reserveCapacity(events.count)
        nextEvent: for event in events {
            for key in event.uniqueKeys {
                if let existingID = try String.fetchOne(findKey, arguments: [key]) {
                    results.append(.duplicate(existingID: existingID, key: key))
                    continue nextEvent
                }
            }
            try insertEvent.execute(arguments: [
                event.id, event.type, event.source, event.origin, event.time, event.subjectKind, event.subjectUID,
                event.data, event.keysJSON, event.chainDepth, event.replayOf, now,
            ])
            guard db.changesCount == 1 else {
                throw SQLiteEventStoreError(
                    code: .eventIDConflict,
                    message: "an event with this id is already stored and none of the new event's keys matched it",
                    eventID: event.id
                )
            }
            for key in event.uniqueKeys {
                try insertKey.execute(arguments: [key, event.id, now])
            }
            results.append(.new(eventID: event.id))
        }

        if !snapshots.isEmpty {
            let saveSnapshot = try db.cachedStatement(
                sql: """
                    INSERT INTO snapshots (key, value, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                    """
            )
            for snapshot in snapshots {
                try saveSnapshot.execute(arguments: [snapshot.key, snapshot.value, now])
            }
        }
        return results
    }
}
