import BotEngine
import Foundation
import Logging
import Testing

@testable import AvalaBot

/// The queue depth and the dead-letter count are read at each scrape; a store that cannot be read shows
/// as a gap, not as the last value (a frozen queue) or 0 (an empty one).
@Suite struct MetricsExportTests {
    @Test func theStoreGaugesAreNaNWhenTheStoreCannotBeRead() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteEventStore(path: path, logger: Logger(label: "metrics-test") { _ in SwiftLogNoOpLogHandler() })
        try await store.migrate()
        let export = MetricsExport()
        let open = await export.render(store: store)
        #expect(open.contains("avala_bot_queue_depth 0.0\n"))
        #expect(open.contains("avala_bot_dead_letters 0.0\n"), "\(open)")
        #expect(open.contains("# HELP avala_bot_dead_letters Dead-lettered actions"), "\(open)")
        try store.close()
        let scrape = await export.render(store: store)
        // Spelled as the exposition format writes it; strict OpenMetrics parsers refuse Swift's `nan`.
        #expect(scrape.contains("avala_bot_queue_depth NaN\n"), "\(scrape)")
        #expect(scrape.contains("avala_bot_dead_letters NaN\n"), "\(scrape)")
    }

    @Test func specialValuesAreSpelledAsTheExpositionFormatWritesThem() {
        let scrape = "# TYPE a gauge\na nan\nb{le=\"+inf\"} inf\nc -inf\nd 1.5\n# HELP x has nan"
        #expect(MetricsExport.addingHelp(to: scrape) == "# TYPE a gauge\na NaN\nb{le=\"+inf\"} +Inf\nc -Inf\nd 1.5\n# HELP x has nan")
    }
}
