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

    let rules = BenchmarkFixtures.hundredRules(regexEvery: 10)
    let regexHeavy = BenchmarkFixtures.hundredRules(regexEvery: 4)
    let events = BenchmarkFixtures.events(count: 10_000)

    Benchmark("Rule matching, 100 rules, 10 with a regex (per event)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(rules.matchingRules(for: events[index % events.count]))
        }
    }

    Benchmark("Rule matching, 100 rules, 25 with a regex (per event)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(regexHeavy.matchingRules(for: events[index % events.count]))
        }
    }

    Benchmark("Rule planning with templates, 100 rules (per event)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(rules.plan(for: events[index % events.count]))
        }
    }

    // 32 producers of single events is the listener under `wrk -c32`: one event per request.
    for (producers, batchSize) in [(8, 1), (32, 1), (8, 100)] {
        let name = batchSize == 1 ? "single events" : "batches of \(batchSize)"
        Benchmark(
            "SQLite ingest, \(producers) producers sending \(name) (per event)",
            configuration: .init(metrics: [.throughput, .wallClock], scalingFactor: .kilo, maxIterations: 50)
        ) { benchmark in
            try await IngestRun.run(benchmark, producers: producers, batchSize: batchSize)
        }
    }

    Benchmark(
        "Ingest → dispatch → log at 1,000 events/s",
        configuration: .init(
            metrics: [.custom("latency (µs)", polarity: .prefersSmaller, useScalingFactor: false)],
            timeUnits: .microseconds,
            maxDuration: .seconds(30),
            maxIterations: 1
        )
    ) { benchmark in
        let latencies = try await LatencyRun.run(events: 3_000, perSecond: 1_000)
        for latency in latencies { benchmark.measurement(.custom("latency (µs)", polarity: .prefersSmaller, useScalingFactor: false), latency) }
    }
}
