import BotEngine
import BotKit
import Foundation
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
    }
}
