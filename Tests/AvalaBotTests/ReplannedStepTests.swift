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

    /// A reload that leaves no rule for the event's type at all: the event is still handled again rather
    /// than finished as unrouted, so its step ends dead-lettered with the reason instead of waiting forever
    /// under a finished event.
    @Test func aStepWhoseEventNoRuleRoutesAnyMoreIsDeadLettered() async throws {
        let id = "unrouted-\(UUID().uuidString)"
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: coco-only
                    on: export.completed
                    do:
                      - record: { id: "\(id)", mode: retry }
                """
        )
        defer { harness.removeFiles() }
        let reloaded = EngineHarness.rules(
            """
            rules:
              - name: failures-only
                on: export.failed
                do:
                  - record: { id: "\(id)-failures" }
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
        let result = try await harness.store.ingest(EngineTests.event(uid: "e-unrouted"))
        let eventID = EngineTests.id(result)
        try await ServiceGroupRunner.whileRunning(dispatcher, logger: harness.logger) {
            try await harness.until { try await harness.store.event(id: eventID)?.status == .done }
        }
        #expect(RecordingPlugin.calls(id).count == 1)
        let steps = try await harness.store.steps(eventID: eventID)
        let step = try #require(steps.first)
        #expect(step.status == .dead)
        #expect(
            step.detail
                == "the rule no longer produces this action for this event: rule 'coco-only' is no longer in the config (step was retry, last: try again (1))"
        )
        let deadLetters = try await harness.store.deadLetters(limit: 10)
        #expect(deadLetters.map(\.stepID) == [step.stepID])
    }

    /// A rule that does not match on one pass (its `where` reads enriched data, and the API was down)
    /// but matches again later: the step waits with backoff instead of being dead-lettered, and runs
    /// once the rule produces it again.
    @Test func aStepWhoseRuleStopsMatchingForAWhileWaitsAndRunsAgain() async throws {
        let id = "comeback-\(UUID().uuidString)"
        func rules(_ format: String) -> String {
            """
            rules:
              - name: coco-only
                on: export.completed
                where: { "export.format": \(format) }
                do:
                  - record: { id: "\(id)", mode: flaky, succeed_after: 1 }
            """
        }
        let harness = try await EngineHarness(rules: rules("coco"))
        defer { harness.removeFiles() }
        let matching = harness.loaded.rules
        let notMatching = EngineHarness.rules(rules("yolo"))
        let provider = RuleSetProvider(matching)
        let firstFailure = CrashSwitch()
        let dispatcher = harness.dispatcher(
            maxAttempts: 5,
            environment: DispatcherEnvironment(
                random: { 0 },
                afterPerform: { _ in if firstFailure.trip() { provider.replace(with: notMatching) } }
            ),
            rules: provider
        )
        let result = try await harness.store.ingest(EngineTests.event(uid: "e-comeback"))
        let eventID = EngineTests.id(result)
        try await ServiceGroupRunner.whileRunning(dispatcher, logger: harness.logger) {
            // The failed call, then at least one pass on which the rule did not match.
            try await harness.until { (try await harness.store.steps(eventID: eventID).first?.attempts ?? 0) >= 2 }
            provider.replace(with: matching)
            try await harness.until { try await harness.store.event(id: eventID)?.status == .done }
        }
        let step = try #require(try await harness.store.steps(eventID: eventID).first)
        #expect(step.status == .done)
        #expect(RecordingPlugin.calls(id).count == 2)
        #expect(try await harness.store.deadLetters(limit: 10).isEmpty)
        #expect(try await !harness.store.recentEvents(limit: 10, since: nil).contains { $0.event.type == .botActionDeadLettered })
    }
}
