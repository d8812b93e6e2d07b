public import Foundation

extension SQLiteEventStore {
    /// How the SQLite store opens its file and groups its writes.
    ///
    /// The file's path is `store.sqlite` (default `./data/avala-bot.sqlite`) and is given to
    /// ``SQLiteEventStore/init(path:logger:configuration:)`` directly; `store.retention` and
    /// `store.key_retention` are applied by whoever calls ``SQLiteEventStore/prune(doneBefore:keysBefore:)``.
    /// The keys below are not in the config file: their defaults suit one bot on one machine.
    ///
    /// - `busyTimeout` (default 5 s): how long a write waits for a lock held by another process (the
    ///   `avala-bot events` commands open the same file) before failing with `SQLITE_BUSY`.
    /// - `maximumReaderCount` (default 4): reader connections; reads never wait for the writer (WAL).
    /// - `maxEventsPerTransaction` (default 5,000): the most events one group commit writes. A single
    ///   `ingest` call larger than that is still written whole, in its own transaction.
    /// - `maxQueuedIngests` (default 4,096): the most `ingest` calls waiting for the writer. One more is
    ///   refused at once with `.busy` instead of queued: a stalled disk must not pile up deliveries (each
    ///   up to `listener.max_body`) in memory; the listener answers it 503 with `Retry-After`.
    /// - `maxPrunedPerTransaction` (default 2,000): the most events, then keys, one write transaction of
    ///   ``SQLiteEventStore/prune(doneBefore:keysBefore:)`` deletes; a pass takes as many as it needs. About
    ///   a quarter of a second of the writer each on a store of a million events, so a webhook's ingest
    ///   never waits behind a whole pass.
    /// - `readOnly` (default false): opens an existing store without writing to it, for the inspection
    ///   commands that only read (a full disk, a read-only copy). ``SQLiteEventStore/migrate()`` then only
    ///   checks that the schema is current.
    /// - `now` (default the system clock): the time stamped on `stored_at`, `finished_at` and the keys'
    ///   `first_seen`; tests inject their own.
    public struct Configuration: Sendable {
        public var busyTimeout: Duration
        public var maximumReaderCount: Int
        public var maxEventsPerTransaction: Int
        public var maxQueuedIngests: Int
        public var maxPrunedPerTransaction: Int
        public var readOnly: Bool
        public var now: @Sendable () -> Date

        public init(
            busyTimeout: Duration = .seconds(5),
            maximumReaderCount: Int = 4,
            maxEventsPerTransaction: Int = 5_000,
            maxQueuedIngests: Int = 4_096,
            maxPrunedPerTransaction: Int = 2_000,
            readOnly: Bool = false,
            now: @escaping @Sendable () -> Date = { Date() }
        ) {
            self.busyTimeout = busyTimeout
            self.maximumReaderCount = maximumReaderCount
            self.maxEventsPerTransaction = maxEventsPerTransaction
            self.maxQueuedIngests = maxQueuedIngests
            self.maxPrunedPerTransaction = maxPrunedPerTransaction
            self.readOnly = readOnly
            self.now = now
        }
    }
}
