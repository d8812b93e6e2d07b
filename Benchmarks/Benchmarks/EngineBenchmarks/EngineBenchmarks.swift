import Benchmark
import BotEngine
import BotKit
import Foundation
import LogPlugin
import Logging
import Synchronization

// The engine's performance targets (issue: event engine):
// - rule matching with 100 rules: at least 200,000 events/s on one core;
// - ingest into SQLite with batched commits: at least 20,000 events/s;
// - ingest → dispatch → `log`: p99 at most 20 ms at 1,000 events/s.
// Run: cd Benchmarks && swift package --allow-writing-to-package-directory benchmark
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.throughput, .wallClock], timeUnits: .microseconds, maxDuration: .seconds(5))

    let rules = BenchmarkFixtures.hundredRules()
    let events = BenchmarkFixtures.events(count: 10_000)

    Benchmark("Rule matching, 100 rules (per event)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(rules.matchingRules(for: events[index % events.count]))
        }
    }

    Benchmark("Rule planning with templates, 100 rules (per event)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(rules.plan(for: events[index % events.count]))
        }
    }

    Benchmark(
        "SQLite ingest, 8 concurrent producers (per event)",
        configuration: .init(metrics: [.throughput, .wallClock], scalingFactor: .kilo, maxIterations: 50)
    ) { benchmark in
        let path = BenchmarkFixtures.temporaryStorePath()
        defer { BenchmarkFixtures.remove(path) }
        let store = try SQLiteEventStore(path: path, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await store.migrate()
        let batch = benchmark.scaledIterations.count
        let prepared = (0..<batch).map { BenchmarkFixtures.uniqueEvent($0) }
        benchmark.startMeasurement()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<8 {
                group.addTask {
                    for index in stride(from: producer, to: batch, by: 8) {
                        _ = try await store.ingest(prepared[index])
                    }
                }
            }
            try await group.waitForAll()
        }
        benchmark.stopMeasurement()
    }

    Benchmark(
        "Ingest → dispatch → log at 1,000 events/s",
        configuration: .init(
            metrics: [.custom("latency (µs)", polarity: .prefersSmaller, useScalingFactor: false)], timeUnits: .microseconds,
            maxDuration: .seconds(30), maxIterations: 1)
    ) { benchmark in
        let latencies = try await LatencyRun.run(events: 3_000, perSecond: 1_000)
        for latency in latencies { benchmark.measurement(.custom("latency (µs)", polarity: .prefersSmaller, useScalingFactor: false), latency) }
    }
}
