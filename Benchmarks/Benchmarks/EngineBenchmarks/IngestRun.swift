import Benchmark
import BotEngine
import BotKit
import Logging

/// Ingest into a fresh SQLite file from concurrent producers; only the ingest is measured.
enum IngestRun {
    static func run(_ benchmark: Benchmark, producers: Int, batchSize: Int) async throws {
        let path = BenchmarkFixtures.temporaryStorePath()
        defer { BenchmarkFixtures.remove(path) }
        let store = try SQLiteEventStore(path: path, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await store.migrate()
        let prepared = (0..<benchmark.scaledIterations.count).map { BenchmarkFixtures.uniqueEvent($0) }
        let batches = stride(from: 0, to: prepared.count, by: batchSize).map {
            Array(prepared[$0..<min($0 + batchSize, prepared.count)])
        }
        benchmark.startMeasurement()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    for index in stride(from: producer, to: batches.count, by: producers) {
                        _ = try await store.ingest(batches[index])
                    }
                }
            }
            try await group.waitForAll()
        }
        benchmark.stopMeasurement()
    }
}
