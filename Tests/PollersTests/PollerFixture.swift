import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import Logging
import Pollers
import TestSupport

/// A simulator over real HTTP, a client of it, and a real SQLite store in a temporary file.
struct PollerFixture: Sendable {
    let harness: SimulatorHarness
    let client: AvalaClient
    let store: SQLiteEventStore
    let wake: WakeSignal
    let path: String

    var simulator: AvalaSimulator { harness.simulator }

    /// Every failure reaches the poller: the client does not retry.
    static let noRetries: @Sendable (inout AvalaClientConfiguration) -> Void = { $0.maxRetries = 0 }

    /// Runs `body` against a fresh simulator and store, then removes the store's directory.
    static func with<T: Sendable>(
        _ configuration: SimulatorConfiguration = SimulatorHarness.manualExports(),
        client adjust: @escaping @Sendable (inout AvalaClientConfiguration) -> Void = { _ in },
        _ body: @Sendable (PollerFixture) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("avala-bot-pollers-tests")
            .appendingPathComponent(UUID().uuidString)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("events.sqlite").path
        return try await SimulatorHarness.with(configuration) { harness in
            try await harness.withClient(adjust) { client in
                let store = try await openStore(path: path, logger: harness.logger)
                let fixture = PollerFixture(harness: harness, client: client, store: store, wake: WakeSignal(), path: path)
                return try await body(fixture)
            }
        }
    }

    static func openStore(path: String, logger: Logger) async throws -> SQLiteEventStore {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        let store = try SQLiteEventStore(path: path, logger: logger)
        try await store.migrate()
        return store
    }

    /// A second store on the same file: what a restarted process would open.
    func reopenedStore() async throws -> SQLiteEventStore {
        try await Self.openStore(path: path, logger: harness.logger)
    }

    func context(store: (any EventStore)? = nil, maxPages: Int = 50, failingAfter: Int = 3) -> PollerContext {
        PollerContext(
            client: client,
            store: store ?? self.store,
            wake: wake,
            logger: harness.logger,
            schedule: PollSchedule(
                interval: .seconds(30),
                backoffBase: .milliseconds(10),
                backoffMax: .milliseconds(100),
                failingAfter: failingAfter,
                maxPages: maxPages
            )
        )
    }

    /// Every stored event of `type`, oldest first.
    func events(_ type: EventType) async throws -> [Event] {
        try await store.recentEvents(limit: 100_000, since: nil).map(\.event).filter { $0.type == type }.reversed()
    }

    func count(_ type: EventType) async throws -> Int {
        try await events(type).count
    }

    /// Warnings logged with this message so far.
    func warnings(_ message: String) -> Int {
        harness.logs.entries.filter { $0.level == .warning && "\($0.message)" == message }.count
    }
}
