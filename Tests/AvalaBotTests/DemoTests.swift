import Foundation
import InMemoryLogging
import Logging
import Testing

@testable import AvalaBot

/// `avala-bot demo`, the README's first command: the three jobs against the embedded simulator, through
/// the TLS listener with a certificate made on the spot, told as a timeline.
@Suite struct DemoTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theDemoPlaysTheThreeJobsAndSummarizesThem() async throws {
        var handler = InMemoryLogHandler()
        handler.logLevel = .warning
        let logs = handler
        let gate = MutableLogHandler.Switch()
        let logger = Logger(label: "demo-test") { _ in MutableLogHandler(base: handler, gate: gate) }
        let config = Self.root.appendingPathComponent("config/demo.yaml").path
        let timeline = try await DemoRun(config: config, keepRunning: false, timeout: .seconds(30)).run(logger: logger, gate: gate)
        let text = timeline.transcript.joined(separator: "\n")
        #expect(text.contains("Listening for webhooks at https://127.0.0.1:"))
        #expect(text.contains("member.joined dana@acme.ai in acme-ai [poller members:acme-ai]"))
        #expect(text.contains("welcome-to-labelers → invite: done — invited dana@acme.ai to acme-labelers as member"))
        #expect(text.contains("yolo-after-coco → export: done — started export"))
        #expect(text.contains("(coco) [webhook avala]"), "the COCO export's completion came by TLS webhook")
        // The followed export is watched too: on a loaded machine the watcher may see it finish before the
        // webhook arrives, and the webhook is then a duplicate. Either way it carries depth 1.
        #expect(
            text.contains("(yolo) [webhook avala, chain depth 1]") || text.contains("(yolo) [poller exports, chain depth 1]"),
            "the YOLO export's completion arrived once, at depth 1"
        )
        #expect(text.contains("announce-yolo → log: done — logged: YOLO export"))
        #expect(text.contains("of prod-cars is ready (chain depth 1)"))
        #expect(text.contains("#ops got: Alert: page-on-failed-export"))
        #expect(text.contains("3 of 3 jobs done"))
        #expect(!text.contains("dead"), "no action was dead-lettered")
        #expect(logs.entries.filter { $0.level >= .error }.isEmpty, "\(logs.entries.map { "\($0.message)" })")
    }

    @Test func theBuiltInDemoConfigIsTheFile() throws {
        let file = try String(contentsOf: Self.root.appendingPathComponent("config/demo.yaml"), encoding: .utf8)
        #expect(file == DemoConfig.yaml + "\n")
    }
}
