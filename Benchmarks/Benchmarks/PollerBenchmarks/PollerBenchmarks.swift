import AvalaAPI
import AvalaSimulator
import Benchmark
import BotEngine
import Foundation
import Logging
import Pollers
import ServiceLifecycle

// Issue (pollers) §6: one cycle over 10,000 members and over 1,000 projects, against the simulator over
// loopback HTTP with a real SQLite store: API calls, wall time, peak memory. The first cycle records
// the baseline; the measured one is a steady cycle with one change, which must cost no more calls than
// pages. Run: cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --target PollerBenchmarks
let benchmarks: @Sendable () -> Void = {
    let calls = BenchmarkMetric.custom("API calls per cycle", polarity: .prefersSmaller, useScalingFactor: false)
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .peakMemoryResident, calls],
        timeUnits: .milliseconds,
        maxDuration: .seconds(20),
        maxIterations: 5
    )

    Benchmark("Members poll cycle, 10,000 members, one join", configuration: configuration) { benchmark in
        try await PollerRun.withSetup(members: 10_000, projects: 0) { simulator, context in
            let poller = MembersPoller(organization: "acme-ai", context: context)
            _ = try await poller.pollOnce()
            try await simulator.addMember(organization: "acme-ai", email: "new-\(UUID().uuidString.prefix(8))@acme.ai")
            benchmark.startMeasurement()
            let cycle = try await poller.pollOnce()
            benchmark.stopMeasurement()
            benchmark.measurement(calls, cycle.apiCalls)
        }
    }

    Benchmark("Projects poll cycle, 1,000 projects, one status change", configuration: configuration) { benchmark in
        try await PollerRun.withSetup(members: 0, projects: 1_000) { simulator, context in
            let poller = ProjectsPoller(context: context)
            _ = try await poller.pollOnce()
            try await simulator.updateProject(uid: SimulatorSeed.UID.activeProject, status: .paused)
            benchmark.startMeasurement()
            let cycle = try await poller.pollOnce()
            benchmark.stopMeasurement()
            benchmark.measurement(calls, cycle.apiCalls)
        }
    }
}

enum PollerRun {
    static func withSetup(
        members: Int,
        projects: Int,
        _ body: (AvalaSimulator, PollerContext) async throws -> Void
    ) async throws {
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let simulator = AvalaSimulator(
            configuration: SimulatorConfiguration(apiKey: "avk_bench_key_0123456789", requestsPerMinute: 1_000_000),
            logger: quiet
        )
        if members > 0 { try await simulator.addGeneratedMembers(organization: "acme-ai", count: members) }
        if projects > 0 { await simulator.addGeneratedProjects(count: projects) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("poll-bench-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let group = ServiceGroup(configuration: .init(services: [simulator], logger: quiet))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let base = try await simulator.waitUntilRunning()
            let client = AvalaClient(
                configuration: AvalaClientConfiguration(
                    baseURL: try BaseURL(base, allowInsecureHTTP: true),
                    apiKey: "avk_bench_key_0123456789",
                    requestsPerMinute: 1_000_000,
                    burst: 10_000
                ),
                logger: quiet
            )
            let store = try SQLiteEventStore(path: path, logger: quiet)
            try await store.migrate()
            let context = PollerContext(
                client: client,
                store: store,
                wake: WakeSignal(),
                logger: quiet,
                schedule: PollSchedule(interval: .seconds(60), maxPages: 1_000)
            )
            do {
                try await body(simulator, context)
            } catch {
                try? await client.shutdown()
                await group.triggerGracefulShutdown()
                throw error
            }
            try await client.shutdown()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
