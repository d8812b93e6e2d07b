import AvalaAPI
import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import Logging
import ServiceLifecycle
import TestSupport

@testable import AvalaBot

/// The whole bot, assembled from a YAML config by the real loader, against a running simulator, with a
/// real SQLite file: what the end-to-end job tests drive. The store file outlives one run, so a test
/// can "restart" the bot on it.
struct BotRun {
    let harness: SimulatorHarness
    let storePath: String

    init(harness: SimulatorHarness) {
        self.harness = harness
        storePath = FileManager.default.temporaryDirectory.appendingPathComponent("jobs-\(UUID().uuidString).sqlite").path
    }

    var environment: [String: String] {
        ["AVALA_API_KEY": harness.apiKey, "AVALA_BASE_URL": harness.baseURL, "AVALA_ALLOW_INSECURE_BASE_URL": "1"]
    }

    /// Loads `yaml` (with `store.sqlite`, a fast dispatcher and a request budget that fits pollers running
    /// every 100 ms added), fails on any diagnostic, runs the bot while `body` runs, then shuts it down.
    func run<T: Sendable>(
        _ yaml: String,
        dispatcher: String = "{ backoff: { base: 10ms, max: 200ms } }",
        api: String = "{ requests_per_minute: 6000 }",
        dispatcherEnvironment: DispatcherEnvironment = DispatcherEnvironment(),
        _ body: @Sendable (BotAssembly, InMemoryLogHandler) async throws -> T
    ) async throws -> T {
        let full = """
            store: { sqlite: "\(storePath)" }
            dispatcher: \(dispatcher)
            api: \(api)
            \(yaml)
            """
        let loaded = ConfigLoader(environment: environment).load(yaml: full, file: "jobs.yaml")
        guard loaded.diagnostics.isEmpty else { throw ConfigRejected(diagnostics: loaded.diagnostics.map(\.description)) }
        var handler = InMemoryLogHandler()
        handler.logLevel = .info
        let logs = handler
        let logger = Logger(label: "jobs") { _ in handler }
        let assembly = try await BotAssembly.build(
            loaded,
            environment: environment,
            dispatcherEnvironment: dispatcherEnvironment,
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: assembly.services, logger: logger))
        do {
            let result = try await group.whileRunning { try await body(assembly, logs) }
            await assembly.shutdown()
            return result
        } catch {
            await assembly.shutdown()
            throw error
        }
    }

    /// Every step the store journaled, across its recent events.
    static func steps(_ store: SQLiteEventStore, plugin: String? = nil) async throws -> [StepRecord] {
        var steps: [StepRecord] = []
        for stored in try await store.recentEvents(limit: 500, since: nil) {
            steps += try await store.steps(eventID: stored.event.id)
        }
        return plugin.map { name in steps.filter { $0.plugin == name } } ?? steps
    }

    func removeFiles() {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: storePath + suffix) }
    }

    struct ConfigRejected: Error, CustomStringConvertible {
        let diagnostics: [String]
        var description: String { "config rejected:\n" + diagnostics.joined(separator: "\n") }
    }
}
