public import BotKit
public import Foundation
import GRDB
public import Logging
import Synchronization

/// The embedded ``EventStore``: one SQLite file in WAL mode, one writer, batched commits.
///
/// Durable when a method returns: the writer runs with `synchronous = FULL`, so every commit is synced to
/// the WAL before it is reported, and a webhook answered 2xx survives a power cut. Concurrent `ingest`
/// calls share one transaction (``IngestBatcher``), so that sync is paid once per batch, not per event.
/// Reads use their own connections and never wait for the writer.
///
/// ```swift
/// let store = try SQLiteEventStore(path: "./data/avala-bot.sqlite", logger: logger)
/// try await store.migrate()
/// let result = try await store.ingest(event)           // .new(eventID:) or .duplicate(existingID:key:)
/// for stored in try await store.claim(limit: 8, now: Date()) { … }
/// ```
///
/// Call ``migrate()`` once after opening, before anything else. Another process (the `avala-bot events`
/// commands) may open the same file at the same time: writes then wait up to the configured busy timeout
/// for each other.
public final class SQLiteEventStore: EventStore {
    /// The `# HELP` text of the metrics the store records (swift-metrics carries none; `/metrics` adds it).
    public static let metricsHelp = [
        "avala_bot_events_total": "Events the store was asked to keep, by source (webhook, poller, bot) and outcome (new, duplicate)."
    ]

    /// Internal so that tests can reach under the protocol (hold the writer, read pragmas).
    let pool: DatabasePool
    /// The file, as given.
    public let path: String
    let logger: Logger
    let configuration: Configuration
    let batcher: IngestBatcher
    private let committedWrites = Mutex(0)
    private let storedEvents = StoredEventCounters()
    /// `PRAGMA auto_vacuum` of a store that can give freed pages back (every store this version creates).
    static let incrementalAutoVacuum = 2

    /// Opens (or creates) the store's file, creating its parent directories.
    ///
    /// - Parameters:
    ///   - path: The SQLite file, `store.sqlite` in the config.
    ///   - logger: Used for the store's own messages, with `store.path` added to the metadata.
    ///   - configuration: Timeouts, batching and the clock.
    /// - Throws: ``SQLiteEventStoreError`` `.cannotOpen` when the directory or the file cannot be made or
    ///   set up (or, read-only, when there is no file); `.notAStore` when the file is another
    ///   application's database, which is then left untouched.
    public init(path: String, logger: Logger, configuration: Configuration = .init()) throws {
        var logger = logger
        logger[metadataKey: "store.path"] = "\(path)"
        self.path = path
        self.logger = logger
        self.configuration = configuration
        self.batcher = IngestBatcher(maxEventsPerFlush: configuration.maxEventsPerTransaction, maxQueued: configuration.maxQueuedIngests)

        if configuration.readOnly {
            guard FileManager.default.fileExists(atPath: path) else {
                throw SQLiteEventStoreError(code: .cannotOpen, message: "no store at \(path)")
            }
        } else {
            try Self.makeDirectory(of: path)
        }
        // Before anything is written to it (GRDB would turn WAL on): a typo in `store.sqlite` must not
        // make another application's database into a store.
        var openPath = path
        do {
            try Self.refuseForeignDatabase(at: path)
        } catch let failure as SQLiteEventStoreError where configuration.readOnly && failure.cantOpen {
            // A read-only file system, or a copy without its `-shm`: SQLite cannot set up the shared
            // memory a WAL reader needs. Nothing can change such a file, so it is read as immutable;
            // where that fails too, the first reason is the one to tell. Immutable reads skip the
            // write-ahead log, so with changes in one the answer would be old: that is refused.
            guard Self.fileSize(path + "-wal") == 0 else {
                throw SQLiteEventStoreError(
                    code: .cannotOpen,
                    message:
                        "cannot read \(path) where it is: its write-ahead log (\(path)-wal) holds changes that SQLite can only read beside a writable -shm file; copy the store with its -wal to a writable directory and read the copy"
                )
            }
            openPath = Self.immutableURI(path)
            do { try Self.refuseForeignDatabase(at: openPath, sizeOf: path) } catch { throw failure }
        }

        var options = GRDB.Configuration()
        options.readonly = configuration.readOnly
        options.label = "avala-bot.store"
        options.journalMode = .wal
        options.foreignKeysEnabled = true
        options.busyMode = .timeout(configuration.busyTimeout.seconds)
        options.maximumReaderCount = max(1, configuration.maximumReaderCount)
        // Statement arguments hold event bodies, which may hold email addresses: keep them out of errors.
        options.publicStatementArguments = false
        options.prepareDatabase { db in
            // A new file takes incremental auto-vacuum, so that pruning gives its pages back to the disk
            // (see ``reclaimFreePages()``); it can only be chosen before the first table, which is why it is
            // set here, before GRDB turns WAL on. On an existing file it changes nothing.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL") }
        }
        let autoVacuum: Int
        do {
            pool = try DatabasePool(path: openPath, configuration: options)
            if configuration.readOnly {
                logger.debug("Event store opened read-only")
                return
            }
            // GRDB sets `synchronous = NORMAL` on the writer when it turns WAL on, after any
            // `prepareDatabase` hook has run. NORMAL may lose the last commits on a power cut, which would
            // break "a webhook answered 2xx is on disk", so FULL is set here, on the one writer connection.
            autoVacuum = try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // The write-ahead log is reused, not shrunk, after a checkpoint: without a limit it would
                // keep the size of the largest burst (or prune) for good. The automatic checkpoint (1,000
                // pages) lets it reach a little over 4 MiB in normal work; 8 MiB cuts back only a burst,
                // not every cycle (a cut costs a truncate and the regrowth).
                try db.execute(sql: "PRAGMA journal_size_limit = \(Self.walSizeLimit)")
                return try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? 0
            }
        } catch {
            throw SQLiteEventStoreError(code: .cannotOpen, message: "cannot open the database \(path): \(error)")
        }
        logger.info("Event store opened", metadata: ["store.readers": "\(options.maximumReaderCount)"])
        if autoVacuum != Self.incrementalAutoVacuum {
            // A store made before incremental auto-vacuum keeps, for good, the size of its largest backlog:
            // pruning frees pages inside the file but cannot give them back. Converting it rewrites the
            // whole file under the write lock, which is the operator's call (and disk space), not a start's.
            logger.info(
                "The event store was created without incremental auto-vacuum: pruning reuses the space it frees but never gives it back to the disk. To convert it, stop the bot and run: sqlite3 \(path) 'PRAGMA auto_vacuum=INCREMENTAL; VACUUM;'"
            )
        }
    }

    /// Closes the file's connections. Every later call fails; in-flight writes finish first.
    public func close() throws {
        try pool.close()
        logger.debug("Event store closed")
    }

    /// How many write transactions have committed, for tests of the group commit.
    var committedWriteTransactions: Int { committedWrites.withLock { $0 } }

    // MARK: - EventStore

    /// Refuses a file holding tables but no avala-bot schema (`grdb_migrations` with its first
    /// migration): another application's database, or a typo for one; and a file that is no SQLite
    /// database, and a directory, each named as such. An empty or new file passes.
    /// - Parameter file: the file's path when `path` is a URI (``immutableURI(_:)``).
    public static func refuseForeignDatabase(at path: String, sizeOf file: String? = nil) throws {
        // SQLite would answer a directory with a "disk I/O error", which names neither the path nor the mistake.
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: file ?? path, isDirectory: &isDirectory), isDirectory.boolValue {
            let example = URL(fileURLWithPath: file ?? path).appendingPathComponent("avala-bot.sqlite").path
            throw SQLiteEventStoreError(code: .cannotOpen, message: "\(file ?? path) is a directory: the store is a file in it, like \(example)")
        }
        guard Self.fileSize(file ?? path) > 0 else { return }
        var options = GRDB.Configuration()
        options.readonly = true
        options.label = "avala-bot.store-check"
        // A bot closing the store holds it a moment (its last checkpoint): wait, as the store itself does.
        options.busyMode = .timeout(SQLiteEventStore.Configuration().busyTimeout.seconds)
        let tables: [String]
        let applied: [String]
        do {
            let queue = try DatabaseQueue(path: path, configuration: options)
            (tables, applied) = try queue.read { db in
                let tables = try String.fetchAll(
                    db,
                    sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
                guard tables.contains("grdb_migrations") else { return (tables, []) }
                return (tables, try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
            }
            try queue.close()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            // Not SQLite's header: a file of another kind (a typo for the config, a log), or a store whose
            // first page was overwritten. Either way it is left as it is, and the message says which file.
            throw SQLiteEventStoreError(
                code: .notAStore,
                message:
                    "\(file ?? path) is not an avala-bot store: it is no SQLite database at all, left as it is; check the path (a store damaged this way is restored from a backup)"
            )
        } catch {
            var failure = SQLiteEventStoreError(code: .cannotOpen, message: "cannot open the database \(file ?? path): \(error)")
            failure.cantOpen = (error as? DatabaseError)?.resultCode == .SQLITE_CANTOPEN
            throw failure
        }
        guard !tables.isEmpty, !applied.contains(migrator.migrations[0]) else { return }
        let shown = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", …" : "")
        throw SQLiteEventStoreError(
            code: .notAStore,
            message:
                "\(path) is not an avala-bot store: it is another database (tables \(shown)), left as it is; give store.sqlite a file of its own"
        )
    }

    /// The size of the file SQLite opens at `path`, symbolic links followed (a link to a store not made
    /// yet is an empty one); 0 when there is none.
    public static func fileSize(_ path: String) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return Int(info.st_size)
    }

    /// `path` as an SQLite URI that opens it immutable: read without locks or shared memory.
    static func immutableURI(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return "file:\(path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path)?immutable=1"
    }

    /// Creates the directory `path` is in, with its parents.
    /// - Throws: ``SQLiteEventStoreError`` `.cannotOpen`, naming the directory and why.
    static func makeDirectory(of path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw SQLiteEventStoreError(code: .cannotOpen, message: "cannot create the directory \(directory.path): \(reason(error))")
        }
    }

    /// An error's reason in words: Foundation's file errors without their `UserInfo` dump.
    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain, let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code))
        {
            return String(cString: strerror(code.rawValue))
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileWriteNoPermissionError { return "permission denied" }
        return nsError.localizedDescription
    }

    public func migrate() async throws {
        if configuration.readOnly {
            // Nothing may be written: the schema must be current already.
            let applied = try await pool.read { db in try Self.migrator.appliedIdentifiers(db) }
            let missing = Self.migrator.migrations.filter { !applied.contains($0) }
            guard missing.isEmpty else {
                throw SQLiteEventStoreError(
                    code: .outdatedSchema,
                    message:
                        "\(path) needs a schema upgrade (\(missing.joined(separator: "; "))), which only a command that writes can make: run the bot on it once"
                )
            }
            return
        }
        let migrator = Self.migrator
        let applied: [String] = try await withCheckedThrowingContinuation { continuation in
            migrator.asyncMigrate(pool) { result in
                continuation.resume(with: result.flatMap { db in Result { try migrator.appliedMigrations(db) } })
            }
        }
        logger.debug("Event store schema is current", metadata: ["store.migrations": "\(applied.count)"])
    }

    /// Stores the new events and saves the snapshots in one transaction, shared with concurrent callers.
    ///
    /// An event is new only if none of its keys was seen before; then all its keys are recorded. Of two
    /// events sharing a key in one call (or in calls committed together), the earlier wins. An event with
    /// no keys is always new.
    ///
    /// - Throws: `.unencodable` (nothing is written), `.eventIDConflict` (nothing of this call is
    ///   written), or the database's error.
    public func ingest(_ events: [Event], snapshots: [String: JSON]) async throws -> [IngestResult] {
        if events.isEmpty && snapshots.isEmpty { return [] }
        let request = IngestBatcher.Request(
            events: try events.map(PreparedEvent.init),
            snapshots: try snapshots.sorted { $0.key < $1.key }.map { key, value in
                (key, try Self.encode(value, what: "the snapshot '\(key)'"))
            }
        )
        let results = try await batcher.submit(request) { self.startIngestDrain() }.get()
        storedEvents.record(events, results)
        return results
    }

    /// Claims up to `limit` due events, oldest first, marking them running and counting the attempt.
    ///
    /// An event with a subject is held back while another event about the same subject is running, or an
    /// earlier one is not done (pending, even when not yet due, holds the later ones back too). So at
    /// most one event per subject is claimed. An event without a subject is never held back.
    public func claim(limit: Int, now: Date) async throws -> [StoredEvent] {
        try await claim(limit: limit, now: now, finishingUnrouted: 0) { _ in true }.routed
    }

    /// One write: due events (see ``claimableEventsSQL``), in `seq` order, each either marked running and read back (routed, up
    /// to `limit`) or marked done (unrouted, up to `unroutedLimit`), with the attempt counted either way.
    /// An event claimed before counts as routed whatever its type: see the protocol.
    /// The subject rule of ``claim(limit:now:)`` holds for both: an unrouted event finished here had no
    /// earlier unfinished event about its subject. Unrouted rows are never decoded.
    public func claim(
        limit: Int,
        now: Date,
        finishingUnrouted unroutedLimit: Int,
        routes: @escaping @Sendable (EventType) -> Bool
    ) async throws -> ClaimedEvents {
        let limit = max(0, limit)
        let unroutedLimit = max(0, unroutedLimit)
        guard limit + unroutedLimit > 0 else { return ClaimedEvents() }
        let nowSeconds = Self.seconds(now)
        let claimed = try await write(synced: false) { db in
            let rows = try Row.fetchCursor(
                db.cachedStatement(sql: Self.claimableEventsSQL),
                arguments: [nowSeconds, limit + unroutedLimit]
            )
            // Collected first and written after: the cursor reads the rows the updates would change.
            var running: [Row] = []
            var done: [Int64] = []
            while let row = try rows.next() {
                // An event claimed before may have journaled steps that must still end (run, or be
                // dead-lettered with a reason), even once a reload leaves no rule for its type.
                if routes(EventType(rawValue: row["type"])) || (row["attempts"] as Int) > 0 {
                    if running.count < limit { running.append(row.copy()) }
                } else if done.count < unroutedLimit {
                    done.append(row["seq"])
                }
                if running.count == limit && done.count == unroutedLimit { break }
            }
            let markRunning = try db.cachedStatement(
                sql: "UPDATE events SET status = 'running', attempts = attempts + 1 WHERE seq = ?"
            )
            let markDone = try db.cachedStatement(
                sql: """
                    UPDATE events SET status = 'done', attempts = attempts + 1, finished_at = ?, next_attempt_at = NULL
                    WHERE seq = ?
                    """
            )
            for seq in done { try markDone.execute(arguments: [nowSeconds, seq]) }
            var routed: [StoredEvent] = []
            var unreadable: [String] = []
            for row in running {
                do {
                    var stored = try Self.storedEvent(row)
                    try markRunning.execute(arguments: [row["seq"] as Int64])
                    stored.status = .running
                    stored.attempts += 1
                    routed.append(stored)
                } catch let error as SQLiteEventStoreError where error.code == .corruptRow {
                    // A row that cannot be read back would fail this claim, and every later one that
                    // reaches it: it is finished here, unprocessed, and named in the log.
                    try markDone.execute(arguments: [nowSeconds, row["seq"] as Int64])
                    unreadable.append(row["id"])
                }
            }
            if !unreadable.isEmpty {
                self.logger.error(
                    "Events that cannot be read back were finished without running their rules",
                    metadata: ["event.ids": "\(unreadable.joined(separator: ","))"]
                )
            }
            return ClaimedEvents(routed: routed, finishedUnrouted: done.count)
        }
        if !claimed.routed.isEmpty || claimed.finishedUnrouted > 0 {
            logger.debug(
                "Events claimed",
                metadata: ["events.count": "\(claimed.routed.count)", "events.unrouted_done": "\(claimed.finishedUnrouted)"]
            )
        }
        return claimed
    }

    /// The events a claim may take, at most `?2`, in `seq` order; `?1` is now.
    ///
    /// Two parts, each read from `events_status_due` without visiting an event that is not due: events
    /// never tried (`next_attempt_at` NULL) oldest first, and events due again after a backoff earliest due
    /// first, each at most `?2`; the oldest `?2` of both are claimed. One walk of the pending events in
    /// `seq` order read every event waiting on its backoff before reaching a due one (40–60 ms with 50,000
    /// waiting, on the writer), and sorting all the due retries by `seq` would cost as much when an
    /// outage's retries come due together.
    ///
    /// The subject rule is checked on each candidate, against every earlier pending event of the subject,
    /// due or not: an event waiting on its backoff still holds back the later ones about its subject.
    static let claimableEventsSQL: String = {
        let free = """
            (e.subject_kind IS NULL OR NOT EXISTS (
                SELECT 1 FROM events AS o
                WHERE o.subject_kind = e.subject_kind AND o.subject_uid = e.subject_uid
                  AND o.status IN ('pending', 'running')
                  AND (o.seq < e.seq OR o.status = 'running')
                  AND (o.status = 'running' OR o.holds_subject = 1)))
            """
        return """
            SELECT * FROM (
                SELECT seq, \(eventColumns) FROM events AS e
                WHERE e.status = 'pending' AND e.next_attempt_at IS NULL AND \(free)
                ORDER BY e.seq
                LIMIT ?2)
            UNION ALL
            SELECT * FROM (
                SELECT seq, \(eventColumns) FROM events AS e
                WHERE e.status = 'pending' AND e.next_attempt_at <= ?1 AND \(free)
                ORDER BY e.next_attempt_at, e.seq
                LIMIT ?2)
            ORDER BY seq
            LIMIT ?2
            """
    }()

    @discardableResult
    public func releaseRunning() async throws -> Int {
        let released = try await write { db in
            try db.execute(sql: "UPDATE events SET status = 'pending', holds_subject = 1 WHERE status = 'running'")
            return db.changesCount
        }
        if released > 0 {
            logger.info("Running events released", metadata: ["events.count": "\(released)"])
        }
        return released
    }

    /// The steps of one event, in the order they began.
    public func steps(eventID: String) async throws -> [StepRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.stepColumns) FROM steps WHERE event_id = ? ORDER BY rowid",
                arguments: [eventID]
            )
            .map(Self.stepRecord)
        }
    }

    /// Creates the step (`running`, no attempts, intent at `step.at`) or, when it exists, sets it
    /// `running` with the new intent time and clears its `nextAttemptAt`; its last detail stays, and so do
    /// its attempts, except that a step found `running` counts one more: its last run was interrupted (the
    /// bot crashed or was stopped while it ran), and an action that kills the bot every time it runs must
    /// reach its dead letter rather than restart it forever. Its plugin and action become the intent's: a
    /// reload can put another action at the step's place in its rule, and the journal must name what runs.
    ///
    /// - Throws: `.unknownEvent` when the event is not stored; `.stepConflict` when the step id belongs to
    ///   another event.
    public func recordIntent(_ step: StepIntent) async throws {
        try await write { db in
            let at = Self.seconds(step.at)
            if let owner = try String.fetchOne(db, sql: "SELECT event_id FROM steps WHERE step_id = ?", arguments: [step.stepID]) {
                guard owner == step.eventID else {
                    throw SQLiteEventStoreError(
                        code: .stepConflict,
                        message: "the step id already belongs to event \(owner)",
                        eventID: step.eventID,
                        stepID: step.stepID
                    )
                }
                try db.execute(
                    sql: """
                        UPDATE steps SET status = 'running', plugin = ?, action = ?, intent_at = ?, next_attempt_at = NULL,
                            updated_at = ?, attempts = attempts + (status = 'running')
                        WHERE step_id = ?
                        """,
                    arguments: [step.plugin, step.action, at, at, step.stepID]
                )
                return
            }
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM events WHERE id = ?)", arguments: [step.eventID]) == true else {
                throw SQLiteEventStoreError(
                    code: .unknownEvent,
                    message: "cannot record an intent for an event that is not stored",
                    eventID: step.eventID,
                    stepID: step.stepID
                )
            }
            try db.execute(
                sql: """
                    INSERT INTO steps (
                        step_id, event_id, rule, action_index, plugin, action, status, attempts, next_attempt_at, detail,
                        intent_at, updated_at, throttle_key, admitted_at)
                    VALUES (?, ?, ?, ?, ?, ?, 'running', 0, NULL, NULL, ?, ?, ?, ?)
                    """,
                arguments: [
                    step.stepID, step.eventID, step.rule, step.actionIndex, step.plugin, step.action, at, at, step.throttleKey,
                    step.throttleKey == nil ? nil : at,
                ]
            )
        }
    }

    /// Records a step's outcome and stores the events it raises, in one transaction.
    ///
    /// The step takes the outcome's status, detail and `nextAttemptAt`. Its `attempts` counts the runs
    /// that ended in `retry` or `dead`: it grows by one when the outcome's status is one of those and
    /// `countsAsAttempt` is set; `done`, `skipped` and `deferred` never count.
    ///
    /// - Returns: The ingest results of `events`, in order.
    /// - Throws: `.invalidArgument` for a `running` outcome; `.unknownStep` when no intent was recorded
    ///   for the step; `.eventIDConflict` or `.unencodable` for a raised event. Nothing is written then.
    public func recordOutcome(_ outcome: StepOutcome, raising events: [Event]) async throws -> [IngestResult] {
        guard outcome.status != .running else {
            throw SQLiteEventStoreError(code: .invalidArgument, message: "an outcome cannot be 'running'", stepID: outcome.stepID)
        }
        let raised = try events.map(PreparedEvent.init)
        let countsAsAttempt = outcome.countsAsAttempt && (outcome.status == .retry || outcome.status == .dead)
        let now = Self.seconds(configuration.now())
        let results = try await write { db in
            try db.execute(
                sql: """
                    UPDATE steps SET status = ?, detail = ?, next_attempt_at = ?, attempts = attempts + ?, updated_at = ?
                    WHERE step_id = ?
                    """,
                arguments: [
                    outcome.status.rawValue, outcome.detail, outcome.nextAttemptAt.map(Self.seconds), countsAsAttempt ? 1 : 0,
                    Self.seconds(outcome.at), outcome.stepID,
                ]
            )
            guard db.changesCount == 1 else {
                throw SQLiteEventStoreError(
                    code: .unknownStep,
                    message: "cannot record an outcome for a step whose intent was not recorded",
                    stepID: outcome.stepID
                )
            }
            return try Self.insert(raised, snapshots: [], now: now, in: db)
        }
        storedEvents.record(events, results)
        return results
    }

    /// `done` stamps `finishedAt` with the store's clock; `pendingUntil` makes the event pending, due then.
    ///
    /// - Throws: `.unknownEvent` when the event is not stored.
    public func finish(eventID: String, result: EventResult) async throws {
        let now = Self.seconds(configuration.now())
        try await write { db in
            var pendingUntil: Double?
            switch result {
            case .done:
                // A step put back to retry while the event ran (`dead-letters retry` leaves a running event
                // to its run, which read its steps before) keeps the event pending until that step is due.
                // One behind a dead (or discarded) earlier action of its rule does not: the run skips it
                // until that letter is retried, so pending for it, the event would be claimed and
                // finished again and again.
                pendingUntil = try Double.fetchOne(
                    db,
                    sql: """
                        SELECT MIN(s.next_attempt_at) FROM steps AS s
                        WHERE s.event_id = ?1 AND s.status IN ('retry', 'deferred')
                          AND NOT EXISTS (
                            SELECT 1 FROM steps AS d
                            WHERE d.event_id = ?1 AND d.rule = s.rule AND d.action_index < s.action_index
                              AND (d.status = 'dead' OR d.discarded_at IS NOT NULL))
                        """,
                    arguments: [eventID]
                )
            case .pendingUntil(let due):
                pendingUntil = Self.seconds(due)
            }
            if let due = pendingUntil {
                // An event that waits only for deferred actions (an alert's group_wait: a wait chosen, not
                // a failure) lets the later events about its subject go ahead; one with an action to
                // retry, or none journaled yet, holds them back until it is done.
                let waitsOnlyDeferred =
                    try Bool.fetchOne(
                        db,
                        sql: """
                            SELECT EXISTS (SELECT 1 FROM steps WHERE event_id = ?1 AND status = 'deferred')
                              AND NOT EXISTS (SELECT 1 FROM steps WHERE event_id = ?1 AND status IN ('running', 'retry'))
                            """,
                        arguments: [eventID]
                    ) ?? false
                try db.execute(
                    sql: "UPDATE events SET status = 'pending', next_attempt_at = ?, finished_at = NULL, holds_subject = ? WHERE id = ?",
                    arguments: [due, waitsOnlyDeferred ? 0 : 1, eventID]
                )
            } else {
                try db.execute(
                    sql: "UPDATE events SET status = 'done', finished_at = ?, next_attempt_at = NULL WHERE id = ?",
                    arguments: [now, eventID]
                )
            }
            guard db.changesCount == 1 else {
                throw SQLiteEventStoreError(code: .unknownEvent, message: "cannot finish an event that is not stored", eventID: eventID)
            }
        }
    }

    public func raiseChainDepth(eventID: String, to depth: Int) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE events SET chain_depth = ?1 WHERE id = ?2 AND chain_depth < ?1", arguments: [depth, eventID])
        }
    }

    public func event(id: String) async throws -> StoredEvent? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.eventColumns) FROM events WHERE id = ?", arguments: [id])
                .map { try Self.storedEvent($0) }
        }
    }

    /// Newest first by `storedAt` (then by arrival, for events stored in the same instant).
    public func recentEvents(limit: Int, since: Date?) async throws -> [StoredEvent] {
        guard limit > 0 else { return [] }
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.eventColumns) FROM events
                    WHERE stored_at >= ?
                    ORDER BY stored_at DESC, seq DESC
                    LIMIT ?
                    """,
                arguments: [since.map(Self.seconds) ?? -Double.greatestFiniteMagnitude, limit]
            )
            .map { try Self.storedEvent($0) }
        }
    }

    /// Newest first by the time the step was dead-lettered.
    public func recentSteps(limit: Int) async throws -> [StepRecord] {
        guard limit > 0 else { return [] }
        // By rowid, the order steps began in: no index to keep up on every step's update, and a step
        // that is retried keeps the place it began at.
        return try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.stepColumns) FROM steps ORDER BY rowid DESC LIMIT ?", arguments: [limit])
                .map(Self.stepRecord)
        }
    }

    public func deadLetters(limit: Int) async throws -> [StepRecord] {
        guard limit > 0 else { return [] }
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.stepColumns) FROM steps
                    WHERE status = 'dead'
                    ORDER BY updated_at DESC, rowid DESC
                    LIMIT ?
                    """,
                arguments: [limit]
            )
            .map(Self.stepRecord)
        }
    }

    public func throttleAdmissions(since: Date) async throws -> [ThrottleAdmission] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT rule, throttle_key, event_id, MIN(admitted_at) AS at FROM steps
                    WHERE throttle_key IS NOT NULL AND admitted_at >= ?
                    GROUP BY rule, throttle_key, event_id
                    ORDER BY at
                    """,
                arguments: [Self.seconds(since)]
            )
            .map { row in
                ThrottleAdmission(rule: row["rule"], key: row["throttle_key"], eventID: row["event_id"], at: Self.date(row["at"] as Double))
            }
        }
    }

    /// The event of a dead-lettered step, or nil when the step is not one (unknown, or no longer dead).
    private static func deadStepEventID(_ db: Database, stepID: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT event_id FROM steps WHERE step_id = ? AND status = 'dead'", arguments: [stepID])
    }

    /// The step goes to `retry` with its attempts reset to 0, due `now`; its event goes back to pending,
    /// due `now`, unless it is running (that run then decides what follows, seeing the step to retry).
    /// The key of the step's `bot.action.dead_lettered` event is forgotten: failing again is news that
    /// alerts on dead letters must hear, not a duplicate of the first failure.
    public func retryDeadLetter(stepID: String, now: Date) async throws -> Bool {
        let at = Self.seconds(now)
        let eventID: String? = try await write { db in
            guard let eventID = try Self.deadStepEventID(db, stepID: stepID) else { return nil }
            try db.execute(
                sql: "UPDATE steps SET status = 'retry', attempts = 0, next_attempt_at = ?, updated_at = ? WHERE step_id = ?",
                arguments: [at, at, stepID]
            )
            try db.execute(sql: "DELETE FROM event_keys WHERE key = ?", arguments: [EventType.deadLetterKey(stepID: stepID)])
            try db.execute(
                sql: """
                    UPDATE events SET status = 'pending', next_attempt_at = ?, finished_at = NULL, holds_subject = 1
                    WHERE id = ? AND status <> 'running'
                    """,
                arguments: [at, eventID]
            )
            return eventID
        }
        guard let eventID else { return false }
        logger.info("Dead letter queued for retry", metadata: ["step.id": "\(stepID)", "event.id": "\(eventID)"])
        return true
    }

    /// The step becomes `skipped` (with `discarded_at`), its detail saying it was discarded and why it had
    /// failed, so the step never runs again, still holds back its rule's later actions, and its event is
    /// pruned `store.retention` after the discard.
    public func discardDeadLetter(stepID: String, now: Date) async throws -> Bool {
        let at = Self.seconds(now)
        let eventID: String? = try await write { db in
            guard let eventID = try Self.deadStepEventID(db, stepID: stepID) else { return nil }
            try db.execute(
                sql: """
                    UPDATE steps SET status = 'skipped', next_attempt_at = NULL, updated_at = ?, discarded_at = ?,
                        detail = 'discarded from the dead letters; it had failed: ' || COALESCE(detail, 'no reason recorded')
                    WHERE step_id = ?
                    """,
                arguments: [at, at, stepID]
            )
            // Retention counts from now: the dead letter kept an event older than it, whose reason would
            // otherwise go at the next pass.
            try db.execute(
                sql: "UPDATE events SET finished_at = ? WHERE id = ? AND status = 'done' AND finished_at < ?",
                arguments: [at, eventID, at]
            )
            return eventID
        }
        guard let eventID else { return false }
        logger.info("Dead letter discarded", metadata: ["step.id": "\(stepID)", "event.id": "\(eventID)"])
        return true
    }

    public func snapshot(_ key: String) async throws -> JSON? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM snapshots WHERE key = ?", arguments: [key])
                .map { try Self.decode($0, what: "the snapshot '\(key)'") }
        }
    }

    public func pluginState(plugin: String, key: String) async throws -> JSON? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM plugin_state WHERE plugin = ? AND key = ?", arguments: [plugin, key])
                .map { try Self.decode($0, what: "the state '\(key)' of plugin '\(plugin)'") }
        }
    }

    /// Saves the value; `nil` removes the key.
    public func setPluginState(plugin: String, key: String, value: JSON?) async throws {
        let text = try value.map { try Self.encode($0, what: "the state '\(key)' of plugin '\(plugin)'") }
        let now = Self.seconds(configuration.now())
        try await write { db in
            if let text {
                try db.execute(
                    sql: """
                        INSERT INTO plugin_state (plugin, key, value, updated_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                        """,
                    arguments: [plugin, key, text, now]
                )
            } else {
                try db.execute(sql: "DELETE FROM plugin_state WHERE plugin = ? AND key = ?", arguments: [plugin, key])
            }
        }
    }

    /// Reads, transforms and writes one snapshot in one write transaction (the export plugin's chain
    /// links and the followed exports, which the exports poller also reads).
    public func updateSnapshot(_ key: String, _ transform: @escaping @Sendable (JSON?) throws -> JSON?) async throws -> JSON? {
        let now = Self.seconds(configuration.now())
        let what = "the snapshot '\(key)'"
        return try await write { db in
            let current = try String.fetchOne(db, sql: "SELECT value FROM snapshots WHERE key = ?", arguments: [key])
                .map { try Self.decode($0, what: what) }
            let next = try transform(current)
            if let next {
                try db.execute(
                    sql: """
                        INSERT INTO snapshots (key, value, updated_at) VALUES (?, ?, ?)
                        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                        """,
                    arguments: [key, try Self.encode(next, what: what), now]
                )
            } else {
                try db.execute(sql: "DELETE FROM snapshots WHERE key = ?", arguments: [key])
            }
            return next
        }
    }

    /// Reads, transforms and writes one plugin state key in one write transaction, so concurrent
    /// updates of the same key never lose each other's changes.
    public func updatePluginState(
        plugin: String,
        key: String,
        _ transform: @escaping @Sendable (JSON?) throws -> JSON?
    ) async throws -> JSON? {
        let now = Self.seconds(configuration.now())
        let what = "the state '\(key)' of plugin '\(plugin)'"
        return try await write { db in
            let current = try String.fetchOne(db, sql: "SELECT value FROM plugin_state WHERE plugin = ? AND key = ?", arguments: [plugin, key])
                .map { try Self.decode($0, what: what) }
            let next = try transform(current)
            if let next {
                try db.execute(
                    sql: """
                        INSERT INTO plugin_state (plugin, key, value, updated_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                        """,
                    arguments: [plugin, key, try Self.encode(next, what: what), now]
                )
            } else {
                try db.execute(sql: "DELETE FROM plugin_state WHERE plugin = ? AND key = ?", arguments: [plugin, key])
            }
            return next
        }
    }

    /// Deletes done events finished before `doneBefore` with their steps, and keys first seen before
    /// `keysBefore` — except the keys of events that are not done, which must keep deduplicating for as
    /// long as their event can still run.
    ///
    /// An event with a dead letter stays, however old: the dead-letter list is where a failure waits to be
    /// inspected and retried, and retention must not empty it behind the operator's back. Retrying or
    /// discarding the dead letter lets the event go at a later pass.
    ///
    /// The oldest go first, at most `maxPrunedPerTransaction` events (then keys) per write transaction:
    /// a pass after `store.retention` was shortened on a store of a busy year removes most of a million
    /// events, and in one transaction that held the writer — every webhook's ingest — for most of a
    /// minute. Between transactions the writes queued meanwhile go first. A task cancelled between two
    /// transactions stops there; the next pass goes on from where it stopped.
    public func prune(doneBefore: Date, keysBefore: Date) async throws -> PruneResult {
        let doneBefore = Self.seconds(doneBefore)
        let keysBefore = Self.seconds(keysBefore)
        let most = max(1, configuration.maxPrunedPerTransaction)
        var result = PruneResult(events: 0, keys: 0)
        while !Task.isCancelled {
            let events = try await write { db in
                let seqs = try Int64.fetchAll(db.cachedStatement(sql: Self.prunableEventsSQL), arguments: [doneBefore, most])
                guard !seqs.isEmpty else { return 0 }
                let chosen = "(\(databaseQuestionMarks(count: seqs.count)))"
                try db.execute(
                    sql: "DELETE FROM steps WHERE event_id IN (SELECT id FROM events WHERE seq IN \(chosen))",
                    arguments: StatementArguments(seqs)
                )
                try db.execute(sql: "DELETE FROM events WHERE seq IN \(chosen)", arguments: StatementArguments(seqs))
                return db.changesCount
            }
            result.events += events
            if events < most { break }
        }
        while !Task.isCancelled {
            let keys = try await write { db in
                try db.cachedStatement(sql: Self.pruneKeysSQL).execute(arguments: [keysBefore, most])
                return db.changesCount
            }
            result.keys += keys
            if keys < most { break }
        }
        logger.log(
            level: result.events > 0 || result.keys > 0 ? .info : .debug,
            "Event store pruned",
            metadata: ["events.count": "\(result.events)", "keys.count": "\(result.keys)"]
        )
        if result.events > 0 || result.keys > 0 {
            do {
                let pages = try await reclaimFreePages()
                if pages > 0 { logger.info("Event store gave freed space back to the disk", metadata: ["store.pages": "\(pages)"]) }
            } catch {
                // The space stays free inside the file and is reused; the next pass tries again.
                logger.warning("Could not give the store's freed space back to the disk", metadata: ["error": "\(error)"])
            }
        }
        return result
    }

    /// The `seq` of the oldest done events finished before `?1` that hold no dead letter, at most `?2`.
    /// The index is named because the planner would rather walk every done event in `events_status_due`.
    static let prunableEventsSQL = """
        SELECT seq FROM events INDEXED BY events_done_finished
        WHERE status = 'done' AND finished_at < ?1
          AND NOT EXISTS (SELECT 1 FROM steps WHERE steps.event_id = events.id AND steps.status = 'dead')
        ORDER BY finished_at
        LIMIT ?2
        """

    /// Deletes the oldest keys first seen before `?1`, at most `?2`, but not those of an event not done.
    static let pruneKeysSQL = """
        DELETE FROM event_keys WHERE key IN (
            SELECT key FROM event_keys INDEXED BY event_keys_first_seen
            WHERE first_seen < ?1
              AND NOT EXISTS (
                SELECT 1 FROM events WHERE events.id = event_keys.event_id AND events.status <> 'done')
            ORDER BY first_seen
            LIMIT ?2)
        """

    /// The size the write-ahead log is cut back to when it restarts after a checkpoint.
    static let walSizeLimit = 8 * 1_048_576

    /// Pages one ``reclaimFreePages()`` step gives back: 8 MB of 4 KB pages, so that ingest batches get
    /// the writer between steps after a large prune.
    static let pagesPerReclaim = 2_048

    /// Gives the file's free pages back to the disk, a slice at a time, and returns how many: without it
    /// the file would keep the size of its largest backlog for good (SQLite reuses free pages but never
    /// shrinks the file). Only a store created with incremental auto-vacuum can (every store this version
    /// creates); for an older one it returns 0.
    @discardableResult
    func reclaimFreePages() async throws -> Int {
        var reclaimed = 0
        while true {
            let freed: Int = try await withCheckedThrowingContinuation { continuation in
                pool.asyncWriteWithoutTransaction { db in
                    continuation.resume(
                        with: Result {
                            guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == Self.incrementalAutoVacuum else { return 0 }
                            let before = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
                            guard before > 0 else { return 0 }
                            try db.execute(sql: "PRAGMA incremental_vacuum(\(Self.pagesPerReclaim))")
                            return before - (try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0)
                        }
                    )
                }
            }
            reclaimed += freed
            if freed < Self.pagesPerReclaim { break }
        }
        if reclaimed > 0 {
            // What the pass wrote goes into the file now (PASSIVE: never waits for a reader), so the next
            // write restarts the log and cuts it back to `walSizeLimit`: the pass's pages do not stay
            // on disk in the log instead of the file.
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                pool.asyncWriteWithoutTransaction { db in
                    continuation.resume(with: Result { try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)") })
                }
            }
        }
        return reclaimed
    }

    public func queueDepth() async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events WHERE status IN ('pending', 'running')") ?? 0
        }
    }

    public func deadLetterCount() async throws -> Int {
        try await pool.read { db in
            // Counted in the partial index `steps_dead`, not the steps table.
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM steps INDEXED BY steps_dead WHERE status = 'dead'") ?? 0
        }
    }

    // MARK: - Writing

    /// Runs `updates` in one IMMEDIATE transaction on the writer connection.
    ///
    /// Not cancellable on purpose: an ingest batch is written on behalf of several callers, so one
    /// caller's cancellation must not abort the others' writes; and a write either commits or rolls back
    /// whole anyway. IMMEDIATE takes the write lock up front, so a second process waits on the busy
    /// timeout instead of failing to upgrade a read lock halfway through.
    ///
    /// `synced: false` commits without waiting for the disk (`synchronous = NORMAL` for this transaction
    /// only): for writes whose loss on a power cut is harmless because the next start redoes them — a
    /// claim (running events are released at start, and an event finished as unrouted is only finished
    /// again). The WAL is append-only, so the next synced commit makes it durable too, and such a write
    /// can never survive while a synced write before it is lost.
    func write<T: Sendable>(synced: Bool = true, _ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            pool.asyncWriteWithoutTransaction { db in
                continuation.resume(with: Result { try self.transaction(db, synced: synced, updates) })
            }
        }
    }

    /// One IMMEDIATE transaction on the writer connection, counted when it commits; see
    /// ``write(synced:_:)``.
    func transaction<T>(_ db: Database, synced: Bool = true, _ updates: (Database) throws -> T) throws -> T {
        // Cached statements: a claim runs after every ingest batch, and parsing the pragmas each time showed
        // up on the writer.
        if !synced { try db.cachedStatement(sql: "PRAGMA synchronous = NORMAL").execute() }
        defer { if !synced { try? db.cachedStatement(sql: "PRAGMA synchronous = FULL").execute() } }
        var result: T?
        try db.inTransaction(.immediate) {
            result = try updates(db)
            return .commit
        }
        committedWrites.withLock { $0 += 1 }
        // `result` is set whenever the transaction committed.
        return result!
    }
}
