import Foundation
import InMemoryLogging
import Logging
import TestSupport
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
        // The exports poller runs too (every 3 s, as a deployment's would, for webhooks that get lost): on a
        // loaded machine a cycle can land between the export finishing and its webhook arriving, and the
        // webhook is then a duplicate. The signed-delivery path itself is held by EndToEndTests.
        #expect(
            text.contains("(coco) [webhook avala]") || text.contains("(coco) [poller exports]"),
            "the COCO export's completion arrived once"
        )
        // The followed export is watched too: by the exports poller's cycle and by its watcher of followed
        // exports, whichever sees it first. Any way it arrives, it carries depth 1, once.
        #expect(
            text.matches(of: /\(yolo\) \[(webhook avala|poller exports|poller exports\.followed), chain depth 1\]/).count == 1,
            "the YOLO export's completion arrived once, at depth 1"
        )
        #expect(text.contains("announce-yolo → log: done — logged: YOLO export"))
        #expect(text.contains("of prod-cars is ready (chain depth 1)"))
        #expect(text.contains("#ops got: Alert: page-on-failed-export"))
        #expect(text.contains("3 of 3 jobs done"))
        #expect(!text.contains("dead"), "no action was dead-lettered")
        #expect(logs.entries.filter { $0.level >= .error }.isEmpty, "\(logs.entries.map { "\($0.message)" })")
    }

    /// The demo config with job 1's rule made to match no one: the scenario waits for an invitation that
    /// never comes, so the demo can only end by its timeout or a signal.
    static func stuckConfig(in directory: URL) throws -> String {
        let yaml = DemoConfig.yaml.replacingOccurrences(of: #"glob: "*@acme.ai""#, with: #"glob: "*@nowhere.invalid""#)
        try #require(yaml != DemoConfig.yaml, "the demo config no longer has job 1's glob")
        let path = directory.appendingPathComponent("stuck-demo.yaml").path
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The temporary directory the demo said it made its CA and TLS key in.
    static func workspace(in output: String) throws -> String {
        let match = try #require(output.firstMatch(of: /certificate in (\S+)/), "\(output)")
        return String(match.1)
    }

    @Test func aDemoPastItsTimeoutNamesTheJobAndCleansUp() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try Self.stuckConfig(in: directory)
        let demo = try CommandProcess(["demo", "--config", config, "--timeout", "2"], in: directory)
        let exit = await demo.waitForExit()
        let said = demo.output + demo.errors
        #expect(exit == .status(1), "\(said)")
        #expect(demo.errors.contains("Error: job 1 of 3 (auto-invite) did not finish: timed out waiting for"), "\(said)")
        #expect(!said.contains("Fatal error"), "\(said)")
        #expect(!said.contains("Usage:"), "\(said)")
        #expect(!demo.errors.contains("level=error"), "\(said)")
        let workspace = try Self.workspace(in: demo.output)
        #expect(!FileManager.default.fileExists(atPath: workspace), "the CA and TLS key were left in \(workspace)")
    }

    /// A signal during setup (before the bot runs) and one while a job waits end the same clean way.
    @Test(arguments: [(SIGINT, "Generated a CA"), (SIGINT, "Job 1 —"), (SIGTERM, "Job 1 —")])
    func aSignalStopsTheDemoCleanly(signal: Int32, after line: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try Self.stuckConfig(in: directory)
        let demo = try CommandProcess(["demo", "--config", config, "--timeout", "300"], in: directory)
        try await demo.waitForOutput(containing: line)
        demo.send(signal)
        let exit = await demo.waitForExit()
        let said = demo.output + demo.errors
        #expect(exit == .status(1), "\(said)")
        #expect(demo.errors.contains("Error: stopped by \(signal == SIGINT ? "SIGINT" : "SIGTERM")"), "\(said)")
        if line.hasPrefix("Job 1") {
            #expect(demo.errors.contains("job 1 of 3 (auto-invite) did not finish"), "\(said)")
        }
        // Stopping is what was asked for: the servers' cancellation is not logged as errors.
        #expect(!demo.errors.contains("level=error"), "\(said)")
        #expect(!said.contains("Fatal error"), "\(said)")
        let workspace = try Self.workspace(in: demo.output)
        #expect(!FileManager.default.fileExists(atPath: workspace), "the CA and TLS key were left in \(workspace)")
    }

    /// `demo --keep-running` prints a `/metrics` URL to try: it serves the counters the README lists for
    /// the demo's deliveries, events and actions, not only the two gauges read at scrape time.
    @Test func theKeptDemoServesTheCountersOfWhatItDid() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let demo = try CommandProcess(["demo", "--keep-running", "--timeout", "120"], in: directory)
        defer { demo.send(SIGINT) }
        try await demo.waitForOutput(containing: "Still running")
        let line = try #require(demo.output.split(separator: "\n").first { $0.contains("/metrics") })
        let words = line.split(separator: " ").map(String.init)
        let curl = try await ChildProcess.run(
            "/usr/bin/curl",
            ["--silent", "--show-error", "--max-time", "10"] + words.drop { $0 != "--cacert" }
        )
        let scrape = curl.output
        #expect(curl.status == 0)
        for name in ["avala_bot_webhook_deliveries_total", "avala_bot_events_total", "avala_bot_actions_total", "avala_bot_queue_depth"] {
            #expect(scrape.contains("\n\(name){") || scrape.contains("\n\(name) "), "\(name) missing from:\n\(scrape)")
        }
        demo.send(SIGINT)
        _ = await demo.waitForExit()
    }

    @Test func theBuiltInDemoConfigIsTheFile() throws {
        let file = try String(contentsOf: Self.root.appendingPathComponent("config/demo.yaml"), encoding: .utf8)
        #expect(file == DemoConfig.yaml + "\n")
    }
}
