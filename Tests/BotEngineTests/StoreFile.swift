import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import Logging
import Synchronization

/// A fresh SQLite file in a directory of its own (not created yet: the store must create it), a clock
/// the test moves, and the store's log.
///
/// ```swift
/// try await StoreFile.with { file in
///     let store = try await file.open()
///     …
/// }
/// ```
final class StoreFile: Sendable {
    let directory: URL
    /// Two levels below the temporary directory, so that opening proves the parents are created.
    let path: String
    let logs = InMemoryLogHandler()
    let clock = Clock()

    private init() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("avala-bot-store-tests")
            .appendingPathComponent(UUID().uuidString)
        path = directory.appendingPathComponent("data/events.sqlite").path
    }

    /// Runs `body` with a new file, then removes its directory.
    static func with<T>(_ body: (StoreFile) async throws -> T) async throws -> T {
        let file = StoreFile()
        defer { try? FileManager.default.removeItem(at: file.directory) }
        return try await body(file)
    }

    /// A store on this file, migrated, on the test clock, logging everything to ``logs``.
    func open(_ adjust: (inout SQLiteEventStore.Configuration) -> Void = { _ in }) async throws -> SQLiteEventStore {
        var configuration = SQLiteEventStore.Configuration(now: { [clock] in clock.now })
        adjust(&configuration)
        var logger = Logger(label: "store-tests") { [logs] _ in logs }
        logger.logLevel = .trace
        let store = try SQLiteEventStore(path: path, logger: logger, configuration: configuration)
        try await store.migrate()
        return store
    }

    /// Every log entry as one line of text: message and metadata.
    var logText: String {
        logs.entries.map { "\($0.level) \($0.message) \($0.metadata)" }.joined(separator: "\n")
    }

    /// A clock that stands still until a test moves it.
    final class Clock: Sendable {
        private let current = Mutex(Date(timeIntervalSince1970: 1_763_000_000))

        var now: Date { current.withLock { $0 } }

        func advance(by seconds: TimeInterval) {
            current.withLock { $0 = $0.addingTimeInterval(seconds) }
        }
    }
}

/// An event for tests, at a fixed time with milliseconds.
func makeStoreEvent(
    _ id: String,
    type: EventType = .exportCompleted,
    source: Event.Source = .webhook,
    subject: String? = nil,
    keys: [String] = [],
    data: JSON = [:]
) -> Event {
    Event(
        id: id,
        type: type,
        source: source,
        time: Date(timeIntervalSince1970: 1_762_999_000.125),
        subject: subject.map { Event.Subject(kind: "export", uid: $0) },
        data: data,
        keys: keys
    )
}

/// The event as the store gives it back: the time has been through its seconds since 1970.
func asStored(_ event: Event) -> Event {
    var event = event
    event.time = Date(timeIntervalSince1970: event.time.timeIntervalSince1970)
    return event
}
