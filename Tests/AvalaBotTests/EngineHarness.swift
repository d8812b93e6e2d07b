import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import Logging
import Synchronization
import TestSupport

@testable import AvalaBot

/// A real SQLite store in a temp file, rules loaded from YAML through the real config loader, and the
/// real dispatcher: what the engine tests drive.
struct EngineHarness {
    let store: SQLiteEventStore
    let loaded: LoadedConfiguration
    let logs: InMemoryLogHandler
    let logger: Logger
    let path: String

    static let testPlugins: [any BotPlugin.Type] = ConfigLoader.availablePlugins + [RecordingPlugin.self]

    /// - Parameter now: the store's clock (`stored_at`, `finished_at`); a test that moves the dispatcher's
    ///   clock by hand gives the store the same one, so that events it stores are due on that clock.
    /// - Parameter environment: what `${…}` references in `yaml` resolve from.
    init(
        rules yaml: String,
        path: String? = nil,
        environment: [String: String] = [:],
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws {
        self.path = path ?? FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID().uuidString).sqlite").path
        var handler = InMemoryLogHandler()
        handler.logLevel = .trace
        logs = handler
        logger = Logger(label: "engine-test") { _ in handler }
        var loader = ConfigLoader(environment: environment)
        loader.plugins = Self.testPlugins
        loaded = loader.load(yaml: yaml, file: "rules.yaml")
        store = try SQLiteEventStore(path: self.path, logger: logger, configuration: SQLiteEventStore.Configuration(now: now))
        try await store.migrate()
    }

    func dispatcher(
        maxAttempts: Int = 3,
        concurrency: Int = 4,
        environment: DispatcherEnvironment = DispatcherEnvironment(random: { 0 }),
        rules: RuleSetProvider? = nil,
        contexts: any PluginContextFactory = BasicContextFactory(),
        shutdownGrace: Duration = .seconds(5),
        enricher: (any Enricher)? = nil
    ) -> Dispatcher {
        Dispatcher(
            store: store,
            rules: rules ?? RuleSetProvider(loaded.rules),
            host: PluginHost(plugins: loaded.plugins, contexts: contexts),
            enricher: enricher ?? NoEnricher(),
            configuration: DispatcherConfiguration(
                concurrency: concurrency,
                maxAttempts: maxAttempts,
                backoffBase: .milliseconds(1),
                backoffMax: .milliseconds(5),
                shutdownGrace: shutdownGrace,
                idlePoll: .milliseconds(20)
            ),
            environment: environment,
            logger: logger
        )
    }

    /// Other rules, loaded as the harness's own: what a config reload (SIGHUP) would put in force.
    static func rules(_ yaml: String) -> RuleSet {
        configuration(yaml).rules
    }

    /// A whole config, loaded as a reload (SIGHUP) would: its rules and the plugins they use.
    static func configuration(_ yaml: String) -> LoadedConfiguration {
        var loader = ConfigLoader(environment: [:])
        loader.plugins = testPlugins
        return loader.load(yaml: yaml, file: "reloaded.yaml")
    }

    var renderedLogs: String {
        logs.entries.map { "\($0.message) \($0.metadata.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))" }
            .joined(separator: "\n")
    }

    /// Waits until `condition` holds, checking the store as it goes; fails after `timeout`.
    func until(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        try await Eventually.until(timeout: timeout, condition)
    }

    func removeFiles() {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

/// A plugin for engine tests: it records every call in a shared ledger (its "API"), and behaves as the
/// `mode` parameter says: `ok`, `fail` (throws), `retry`, `permanent`, `flaky` (throws until the
/// `succeed_after`-th call), `slow` (takes `delay_ms`), `avala` (calls Avala without a declared scope).
struct RecordingPlugin: BotPlugin {
    static let name = "record"
    static let actions = [
        ActionSpec(
            "call",
            main: true,
            parameters: [
                ParameterSpec("id", .string, required: true), ParameterSpec("mode", .string),
                ParameterSpec("succeed_after", .int), ParameterSpec("delay_ms", .int),
            ]
        )
    ]
    static let configKeys: [ParameterSpec] = []
    static let avalaScopes: Set<AvalaScope> = []

    /// Every call: (id, resuming) — what "the API" saw.
    static let ledger = Mutex<[String: [(id: String, resuming: Bool, subject: String)]]>([:])
    static let running = Mutex<[String: Int]>([:])
    static let overlaps = Mutex<Set<String>>([])

    init(config: PluginConfig) throws {}

    static func calls(_ id: String) -> [(id: String, resuming: Bool, subject: String)] {
        ledger.withLock { $0[id] ?? [] }
    }

    func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        let id = request.string("id") ?? "-"
        let subject = request.event.subject?.key ?? "-"
        // Like a real plugin: when resuming, look at "the API" before acting again.
        if context.resuming, !Self.calls(id).isEmpty { return .skipped("already called before the crash") }
        let count = Self.ledger.withLock { ledger -> Int in
            ledger[id, default: []].append((id, context.resuming, subject))
            return ledger[id]!.count
        }
        let concurrent = Self.running.withLock { running -> Int in
            running[subject, default: 0] += 1
            return running[subject]!
        }
        if concurrent > 1 { _ = Self.overlaps.withLock { $0.insert(subject) } }
        defer { Self.running.withLock { $0[subject, default: 1] -= 1 } }
        if let delay = request.parameters["delay_ms"]?.intValue { try await Task.sleep(for: .milliseconds(delay)) }
        switch request.string("mode") ?? "ok" {
        case "fail": throw TestFailure(message: "boom \(count)")
        case "retry": return .retry(after: nil, reason: "try again (\(count))")
        case "permanent": return .failed("cannot ever work")
        case "avala":
            // This plugin declared no Avala scope: its context refuses the call.
            _ = try await context.avala.members(organization: "acme-ai")
            return .done("read the members of acme-ai")
        case "flaky":
            let needed = request.parameters["succeed_after"]?.intValue ?? 2
            if count <= needed { throw TestFailure(message: "flaky \(count)") }
            return .done("worked on call \(count)")
        default: return .done("called \(id)")
        }
    }

    struct TestFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
