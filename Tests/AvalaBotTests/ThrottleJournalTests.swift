import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import AvalaBot

/// A throttle decides once per event and rule, and the decision is journaled: a throttled action is a
/// skipped step, so the event run again later (another rule's retry, a restart with empty windows) does
/// not run it late, in a newer event's place.
@Suite struct ThrottleJournalTests {
    @Test func aThrottledActionIsJournaledAsSkippedAndNeverRunsLater() async throws {
        let id = "throttled-\(UUID().uuidString)"
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: page-once
                    on: export.completed
                    throttle: { count: 1, per: 1h }
                    do:
                      - record: { id: "\(id)" }
                """
        )
        defer { harness.removeFiles() }
        let first = EngineTests.id(try await harness.store.ingest(EngineTests.event(uid: "e-first")))
        let second = EngineTests.id(try await harness.store.ingest(EngineTests.event(uid: "e-second")))
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until {
                let statuses = [try await harness.store.event(id: first)?.status, try await harness.store.event(id: second)?.status]
                return statuses == [.done, .done]
            }
        }
        #expect(RecordingPlugin.calls(id).count == 1)
        // The dispatcher runs both at once: whichever the throttle admitted first ran, the other is held.
        let steps = [try await harness.store.steps(eventID: first), try await harness.store.steps(eventID: second)].flatMap { $0 }
        #expect(steps.count == 2)
        #expect(steps.filter { $0.status == .done }.count == 1)
        let held = try #require(steps.first { $0.status == .skipped })
        #expect(held.detail == "throttled (1 per 1h)")
        #expect(held.attempts == 0)
        // Logged as every other outcome is, so that `run` says why the action did nothing.
        let logged = harness.logs.entries.filter { "\($0.message)" == "Action finished" && $0.metadata["outcome"] == "skipped" }
        #expect(logged.count == 1)
        #expect(logged.first?.metadata["detail"] == "throttled (1 per 1h)")
        #expect(logged.first?.metadata["rule.name"] == "page-once")
    }

    @Test func aRestartedDispatcherKeepsTheWindowsItsJournalRecorded() async throws {
        let id = "restart-\(UUID().uuidString)"
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: once-per-export
                    on: export.completed
                    throttle: { count: 1, per: 1h, key: "{{export.uid}}" }
                    do:
                      - record: { id: "\(id)-{{export.uid}}-{{export.n}}" }
                """
        )
        defer { harness.removeFiles() }
        func ingest(_ uid: String, _ n: Int) async throws -> String {
            let data: JSON = ["export": ["uid": .string(uid), "n": .number(Double(n))]]
            return EngineTests.id(try await harness.store.ingest(EngineTests.event(uid: uid, keys: ["delivery:avala:\(uid)-\(n)"], data: data)))
        }
        func runUntilDone(_ ids: [String]) async throws {
            // A new dispatcher each time, with a throttle of its own: what a restarted process has.
            try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
                try await harness.until {
                    var statuses: [StoredEvent.Status?] = []
                    for id in ids { statuses.append(try await harness.store.event(id: id)?.status) }
                    return statuses.allSatisfy { $0 == .done }
                }
            }
        }
        let first = try await ingest("e-a", 1)
        try await runUntilDone([first])
        #expect(RecordingPlugin.calls("\(id)-e-a-1").count == 1)

        let again = try await ingest("e-a", 2)
        let other = try await ingest("e-b", 1)
        try await runUntilDone([again, other])
        // e-a's window still holds its first event; e-b's window is its own.
        #expect(RecordingPlugin.calls("\(id)-e-a-2").isEmpty)
        #expect(RecordingPlugin.calls("\(id)-e-b-1").count == 1)
        let held = try await harness.store.steps(eventID: again)
        #expect(held.map(\.status) == [.skipped])
        #expect(held.first?.detail == "throttled (1 per 1h for key 'e-a')")
        #expect(harness.logs.entries.contains { $0.message == "Throttle windows refilled from the journal" })
    }
}
