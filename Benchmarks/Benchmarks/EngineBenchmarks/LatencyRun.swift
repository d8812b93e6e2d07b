import BotEngine
import BotKit
import Foundation
import LogPlugin
import Logging
import ServiceLifecycle
import Synchronization

/// Ingest → dispatch → `log`, paced at a fixed rate: the time from `ingest` returning to the log
/// plugin's action being journaled done, for every event, in microseconds.
enum LatencyRun {
    static func run(events count: Int, perSecond rate: Int) async throws -> [Int] {
        let path = BenchmarkFixtures.temporaryStorePath()
        defer { BenchmarkFixtures.remove(path) }
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let store = try SQLiteEventStore(path: path, logger: quiet)
        try await store.migrate()
        let rule = BenchmarkFixtures.mapping([
            ("name", BenchmarkFixtures.scalar("log-all")), ("on", BenchmarkFixtures.scalar("export.completed")),
            (
                "do",
                .sequence(
                    [BenchmarkFixtures.mapping([("log", BenchmarkFixtures.mapping([("message", BenchmarkFixtures.scalar("{{export.uid}}"))]))])],
                    BenchmarkFixtures.location
                )
            ),
        ])
        let (rules, _) = RuleSet.compile(.sequence([rule], BenchmarkFixtures.location), plugins: [LogPlugin.self])
        let done = Mutex<[String: ContinuousClock.Instant]>([:])
        let dispatcher = Dispatcher(
            store: store,
            rules: RuleSetProvider(rules),
            host: PluginHost(plugins: ["log": try LogPlugin(config: PluginConfig())], contexts: BasicContextFactory()),
            configuration: DispatcherConfiguration(concurrency: 16, idlePoll: .milliseconds(50)),
            environment: DispatcherEnvironment(afterPerform: { step in
                done.withLock { $0[String(step.split(separator: "/")[0])] = .now }
            }),
            logger: quiet
        )
        let group = ServiceGroup(configuration: .init(services: [dispatcher], logger: quiet))
        var ingested: [String: ContinuousClock.Instant] = [:]
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let start = ContinuousClock.now
            let interval = Duration.seconds(1) / rate
            for index in 0..<count {
                try await Task.sleep(until: start.advanced(by: interval * index), clock: .continuous)
                let event = BenchmarkFixtures.uniqueEvent(index)
                _ = try await store.ingest(event)
                ingested[event.id] = .now
                dispatcher.signal.wake()
            }
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while done.withLock({ $0.count }) < count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let finished = done.withLock { $0 }
        return ingested.compactMap { id, start in
            finished[id].map {
                Int(start.duration(to: $0).components.attoseconds / 1_000_000_000_000 + start.duration(to: $0).components.seconds * 1_000_000)
            }
        }
    }
}
