import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import TestSupport
import Testing

@testable import AvalaBot

/// Job 3, ops alerting, end to end: failed exports reach a fake Slack (an HTTP server in the test)
/// through the real outbound adapter — one message per group, never a flood, and never dropped.
@Suite struct AlertJobTests {
    /// - Parameter groupWait: how long a group collects alerts before its first message; a test that
    ///   needs several alerts in one message gives the dispatcher room to perform them all on a busy
    ///   machine (1.5 s was once too short while the whole suite ran).
    static func config(slack: String, groupWait: String = "1500ms") -> String {
        """
        pollers:
          exports: { every: 100ms }
        plugins:
          alert:
            receivers: { ops-slack: { slack: { url: "\(slack)/services/T000/B000/XXXX" } } }
            group_wait: \(groupWait)
            group_interval: 1m
        rules:
          - name: page-on-failed-export
            on: export.failed
            do:
              - alert: { receiver: ops-slack, text: "Export {{export.uid}} of {{project.name}} failed: {{export.error}}", group_by: [event.type] }
        """
    }

    static func failed(_ uid: String) -> Event {
        EventNormalizer.normalize(
            type: .exportFailed,
            body: [
                "uid": .string(uid), "status": "failed", "format": "coco", "error": "worker ran out of memory",
                "projects": [.string(SimulatorSeed.UID.activeProject)],
            ],
            source: "test",
            deliveryID: "fail-\(uid)"
        )
    }

    @Test func aFailedExportBecomesOneSlackMessage() async throws {
        let slack = RecordingServer()
        try await slack.serve { url in
            try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
                let bot = BotRun(harness: harness)
                defer { bot.removeFiles() }
                try await bot.run(Self.config(slack: url)) { assembly, _ in
                    try await Eventually.until { try await assembly.store.snapshot("exports") != nil }
                    _ = try await harness.simulator.failExport(uid: SimulatorSeed.UID.processingExport, error: "disk full")
                    try await Eventually.until { slack.received.count == 1 }
                    try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "alert").allSatisfy(\.isFinal) }
                }
            }
        }
        let message = try #require(slack.received.first)
        #expect(message.method == "POST")
        #expect(message.path == "/services/T000/B000/XXXX")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(message.body)) as? [String: Any])
        #expect(body["blocks"] is [Any])
        let text = String(decoding: message.body, as: UTF8.self)
        #expect(text.contains("Export \(SimulatorSeed.UID.processingExport) of prod-cars failed: disk full"))
    }

    @Test func tenFailuresWithinTheGroupWindowAreOneMessageListingTen() async throws {
        let slack = RecordingServer()
        try await slack.serve { url in
            try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
                let bot = BotRun(harness: harness)
                defer { bot.removeFiles() }
                // A window wide enough for ten actions on a loaded machine (the parallel suite, CI): one
                // that ran out after eight sent two alerts in the next group, correctly.
                try await bot.run(Self.config(slack: url, groupWait: "12s")) { assembly, _ in
                    for n in 1...10 { _ = try await assembly.store.ingest(Self.failed("burst-\(n)")) }
                    assembly.dispatcher.signal.wake()
                    do {
                        try await Eventually.until(timeout: .seconds(45)) {
                            let steps = try await BotRun.steps(assembly.store, plugin: "alert")
                            return steps.count == 10 && steps.allSatisfy(\.isFinal)
                        }
                    } catch {
                        let steps = try await BotRun.steps(assembly.store, plugin: "alert")
                        Issue.record(
                            "alert steps: \(steps.map { "\($0.status.rawValue) \($0.nextAttemptAt.map { "\($0)" } ?? "") \($0.detail ?? "")" })"
                        )
                        throw error
                    }
                }
            }
        }
        #expect(slack.received.count == 1)
        let text = String(decoding: try #require(slack.received.first).body, as: UTF8.self)
        for n in 1...10 { #expect(text.contains("Export burst-\(n) of prod-cars failed")) }
    }

    /// An alert waiting for its group (deferred, on purpose) does not hold back the later events about
    /// its subject: their rules run now, not after the group's wait.
    @Test func anAlertWaitingForItsGroupDoesNotHoldBackItsSubjectsLaterEvents() async throws {
        let slack = RecordingServer()
        try await slack.serve { url in
            try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
                let bot = BotRun(harness: harness)
                defer { bot.removeFiles() }
                let config =
                    Self.config(slack: url, groupWait: "1h") + """

                          - name: log-completions
                            on: export.completed
                            do:
                              - log: { message: "export {{export.uid}} completed after all" }
                        """
                try await bot.run(config) { assembly, logs in
                    _ = try await assembly.store.ingest(Self.failed("x-1"))
                    assembly.dispatcher.signal.wake()
                    try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "alert").first?.status == .deferred }
                    var completed = Self.failed("x-1")
                    completed.type = .exportCompleted
                    completed.keys = ["delivery:test:done-x-1"]
                    _ = try await assembly.store.ingest(completed)
                    assembly.dispatcher.signal.wake()
                    try await Eventually.until { logs.entries.contains { "\($0.message)" == "export x-1 completed after all" } }
                    #expect(try await BotRun.steps(assembly.store, plugin: "alert").first?.status == .deferred, "the alert still waits")
                }
            }
        }
        #expect(slack.received.isEmpty)
    }

    @Test func aReceiverThatKeepsFailingDeadLettersTheAlertInsteadOfDroppingIt() async throws {
        let slack = RecordingServer(statuses: Array(repeating: 503, count: 20))
        try await slack.serve { url in
            try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
                let bot = BotRun(harness: harness)
                defer { bot.removeFiles() }
                try await bot.run(Self.config(slack: url), dispatcher: "{ max_attempts: 2, backoff: { base: 10ms, max: 50ms } }") { assembly, _ in
                    _ = try await assembly.store.ingest(Self.failed("doomed-1"))
                    assembly.dispatcher.signal.wake()
                    try await Eventually.until {
                        try await assembly.store.recentEvents(limit: 20, since: nil).contains { $0.event.type == .botActionDeadLettered }
                    }
                    let dead = try await assembly.store.deadLetters(limit: 10)
                    #expect(dead.count == 1)
                    #expect(dead.first?.plugin == "alert")
                    #expect(dead.first?.detail?.contains("503") == true, "\(dead.first?.detail ?? "")")
                }
            }
        }
        #expect(slack.received.count == 2)
    }
}
