import BotEngine
import BotKit
import Foundation
import TestSupport
import Testing

@testable import AvalaBot

/// Each time an event is handled again its rules are re-checked; a journaled step they no longer produce
/// must still end (dead-lettered and reported), never be left waiting forever.
@Suite struct ReplannedStepTests {
    @Test func aStepToRetryThatTheReloadedRulesNoLongerProduceIsDeadLettered() async throws {
        let id = "replan-\(UUID().uuidString)"
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: coco-only
                    on: export.completed
                    where: { "export.format": coco }
                    do:
                      - record: { id: "\(id)", mode: retry }
                """
        )
        defer { harness.removeFiles() }
        // The reload an operator might do between two attempts: the rule now wants yolo exports only.
        let reloaded = EngineHarness.rules(
            """
            rules:
              - name: coco-only
                on: export.completed
                where: { "export.format": yolo }
                do:
                  - record: { id: "\(id)", mode: retry }
            """
        )
        let rules = RuleSetProvider(harness.loaded.rules)
        let reload = CrashSwitch()
        let dispatcher = harness.dispatcher(
            maxAttempts: 5,
            environment: DispatcherEnvironment(
                random: { 0 },
                afterPerform: { _ in if reload.trip() { rules.replace(with: reloaded) } }
            ),
            rules: rules
        )
        let result = try await harness.store.ingest(EngineTests.event(uid: "e-replan"))
        let eventID = EngineTests.id(result)
        try await ServiceGroupRunner.whileRunning(dispatcher, logger: harness.logger) {
            try await harness.until {
                let raised = try await harness.store.recentEvents(limit: 10, since: nil).contains { $0.event.type == .botActionDeadLettered }
                let status = try await harness.store.event(id: eventID)?.status
                return raised && status == .done
            }
        }
        #expect(RecordingPlugin.calls(id).count == 1)
        let step = try #require(try await harness.store.steps(eventID: eventID).first)
        #expect(step.status == .dead)
        #expect(
            step.detail
                == "the rule no longer produces this action for this event: rule 'coco-only' no longer matches the event (step was retry, last: try again (1))"
        )
        #expect(try await harness.store.deadLetters(limit: 10).map(\.stepID) == [step.stepID])
        let raised = try #require(try await harness.store.recentEvents(limit: 10, since: nil).first { $0.event.type == .botActionDeadLettered })
        #expect(raised.event.data["rule"] == "coco-only")
        #expect(raised.event.data["reason"]?.stringValue == step.detail)
        #expect(raised.event.data["original"]?["id"]?.stringValue == eventID)
    }
}
