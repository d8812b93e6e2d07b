import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import Logging
import Synchronization
import TestSupport
import Testing

@testable import AvalaBot

/// An alert waits in its group, its action deferred, until the group's message goes out. Meanwhile the
/// dispatcher may give up on the action without running the plugin: a reload took its rule away, the rule
/// stopped matching until the attempts ran out, a required parameter now renders empty, or the send failed
/// until the attempts ran out. The message another action of the group flushes later must leave that alert
/// out: the journal shows its action dead-lettered, and the user may have removed its rule.
///
/// A real SQLite store, the real dispatcher and the real alert plugin, on a clock the test moves.
@Suite struct AbandonedAlertTests {
    static let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
    static let waiting = "waiting for the group's message to ops at 2026-01-01T00:00:30.000Z (1 alert in the group)"

    /// One alert rule; a reload swaps in another of these.
    static func config(format: String = "coco", text: String = "Export {{export.uid}} failed", receiver: String = "{ log: {} }") -> String {
        """
        plugins:
          alert:
            receivers: { ops: \(receiver) }
            group_wait: 30s
            group_interval: 5m
        rules:
          - name: page-on-failed-export
            on: export.failed
            where: { "export.format": \(format) }
            do:
              - alert: { receiver: ops, text: "\(text)", group_by: [event.type] }
        """
    }

    static let noRules = """
        plugins:
          alert:
            receivers: { ops: { log: {} } }
        rules: []
        """

    static func failed(_ uid: String, format: String = "coco", error: String? = nil) -> Event {
        var export: [String: JSON] = ["uid": .string(uid), "format": .string(format), "status": "failed"]
        if let error { export["error"] = .string(error) }
        return EngineTests.event(.exportFailed, uid: uid, keys: ["export.failed:\(uid)"], data: ["export": .object(export)])
    }

    /// How the first alert's action is given up on while it waits, and what the second event then is.
    struct Reload: Sendable, CustomTestStringConvertible {
        var testDescription: String
        /// The rules in force when the first alert's action wakes.
        var whileWaiting: String
        /// The rules in force when the second event comes.
        var after: String
        var second: Event
        /// The second alert's text: the only one its group's message may carry.
        var secondText: String
        /// Why the first alert's action is dead-lettered.
        var reason: String

        static let all = [
            Reload(
                testDescription: "its rule is removed (and put back later)",
                whileWaiting: AbandonedAlertTests.noRules,
                after: AbandonedAlertTests.config(),
                second: AbandonedAlertTests.failed("e-2"),
                secondText: "Export e-2 failed",
                reason: "the rule no longer produces this action for this event: rule 'page-on-failed-export' is no longer in the config "
                    + "(step was deferred, last: \(AbandonedAlertTests.waiting))"
            ),
            // The step waits with backoff first (the rule may match again): its alert must not go out
            // meanwhile, with a message the second alert's action flushes.
            Reload(
                testDescription: "its rule stops matching until the attempts run out",
                whileWaiting: AbandonedAlertTests.config(format: "yolo"),
                after: AbandonedAlertTests.config(format: "yolo"),
                second: AbandonedAlertTests.failed("e-2", format: "yolo"),
                secondText: "Export e-2 failed",
                reason: "the rule no longer produces this action for this event: rule 'page-on-failed-export' no longer matches the event "
                    + "(step was retry, last: \(AbandonedAlertTests.waiting))"
            ),
            // The plugin is not asked: the dispatcher fails the action before it runs.
            Reload(
                testDescription: "its text now renders empty",
                whileWaiting: AbandonedAlertTests.config(text: "{{export.error}}"),
                after: AbandonedAlertTests.config(text: "{{export.error}}"),
                second: AbandonedAlertTests.failed("e-2", error: "disk full"),
                secondText: "disk full",
                reason: "required parameter 'text' rendered empty (missing: export.error)"
            ),
        ]
    }

    @Test(arguments: Reload.all)
    func anAlertWhoseActionIsGivenUpOnWhileItWaitsIsLeftOutOfItsGroupsMessage(_ reload: Reload) async throws {
        let clock = ManualClock(Self.start)
        let harness = try await EngineHarness(rules: Self.config(), now: { clock.now })
        defer { harness.removeFiles() }
        let rules = RuleSetProvider(harness.loaded.rules)
        // A whole backoff delay (random 1): a step set aside waits until the test moves the clock.
        let dispatcher = harness.dispatcher(
            maxAttempts: 2,
            environment: DispatcherEnvironment(now: { clock.now }, random: { 1 }),
            rules: rules
        )
        let first = EngineTests.id(try await harness.store.ingest(Self.failed("e-1")))
        let second = reload.second.id
        try await ServiceGroupRunner.whileRunning(dispatcher, logger: harness.logger) {
            try await harness.until { try await Self.step(first, harness)?.status == .deferred }

            // The reload, then the group's due time: the first action wakes and is given up on.
            rules.replace(with: EngineHarness.rules(reload.whileWaiting))
            clock.advance(by: 30)
            dispatcher.signal.wake()
            try await harness.until {
                let status = try await Self.step(first, harness)?.status
                return status == .dead || status == .retry
            }

            rules.replace(with: EngineHarness.rules(reload.after))
            let stored = try await harness.store.ingest(reload.second)
            #expect(stored == .new(eventID: second))
            dispatcher.signal.wake()
            try await harness.until {
                let status = try await Self.step(second, harness)?.status
                return status == .deferred || status == .done
            }
            clock.advance(by: 30)
            dispatcher.signal.wake()
            try await harness.until {
                let sent = try await Self.step(second, harness)?.status == .done
                let dead = try await Self.step(first, harness)?.status == .dead
                return sent && dead
            }
        }

        #expect(Self.groupMessages(harness) == [[reload.secondText]])
        let sending = try await Self.step(second, harness)
        let sender = try #require(sending)
        #expect(sender.detail == "sent 1 alert to ops in one message")
        let given = try await Self.step(first, harness)
        let dead = try #require(given)
        #expect(dead.detail == reload.reason)
        let deadLetters = try await harness.store.deadLetters(limit: 10)
        #expect(deadLetters.map(\.stepID) == [dead.stepID])
        let raised = try await harness.store.recentEvents(limit: 10, since: nil).filter { $0.event.type == .botActionDeadLettered }
        #expect(raised.map { $0.event.data["reason"]?.stringValue } == [reload.reason])
    }

    /// The first action to wake sends the group's message; the receiver answers 503 and that action's
    /// attempts are used up. It is dead-lettered, so its alert must not ride along in the message the
    /// other action sends next.
    @Test func anAlertWhoseSendFailedUntilItsAttemptsRanOutIsLeftOutOfTheNextMessage() async throws {
        let clock = ManualClock(Self.start)
        let receiver = ScriptedReceiver(statuses: [503])
        let harness = try await EngineHarness(
            rules: Self.config(receiver: "{ webhook: { url: \"https://alerts.example.test/in\" } }"),
            now: { clock.now }
        )
        defer { harness.removeFiles() }
        let dispatcher = harness.dispatcher(
            maxAttempts: 1,
            environment: DispatcherEnvironment(now: { clock.now }, random: { 1 }),
            contexts: ReceiverContexts(http: receiver)
        )
        let ids = [
            EngineTests.id(try await harness.store.ingest(Self.failed("e-1"))),
            EngineTests.id(try await harness.store.ingest(Self.failed("e-2"))),
        ]
        try await ServiceGroupRunner.whileRunning(dispatcher, logger: harness.logger) {
            try await harness.until { try await Self.steps(ids, harness).map(\.status) == [.deferred, .deferred] }
            clock.advance(by: 30)
            dispatcher.signal.wake()
            // The other action either waited for the sender's lease or sent once the sender was dead.
            try await harness.until {
                let statuses = try await Self.steps(ids, harness).map(\.status)
                return statuses.contains(.dead) && statuses.allSatisfy { [.dead, .deferred, .done].contains($0) }
            }
            clock.advance(by: 1)
            dispatcher.signal.wake()
            try await harness.until { try await Self.steps(ids, harness).map(\.status).sorted { $0.rawValue < $1.rawValue } == [.dead, .done] }
        }

        let all = try await Self.steps(ids, harness)
        let dead = try #require(all.first { $0.status == .dead })
        let sender = try #require(all.first { $0.status == .done })
        #expect(dead.detail == "gave up after 1 attempt: webhook receiver 'ops' answered 503; the message held 2 alerts")
        #expect(sender.detail == "sent 1 alert to ops in one message")
        let texts = try receiver.requests.map { request in
            try JSONDecoder().decode(JSON.self, from: request.body ?? Data())["alerts"]?.arrayValue?.compactMap { $0["text"]?.stringValue }
        }
        let senderText = sender.eventID == ids[0] ? "Export e-1 failed" : "Export e-2 failed"
        #expect(texts.count == 2)
        #expect(texts.last == [senderText])
    }

    /// A reload inserts a `log` action before the alert: the deferred step's place in the rule (its
    /// step id) now belongs to the log action, and the alert runs again as the rule's second action. The
    /// alert of the first version must not go out beside the second's.
    @Test func anAlertWhosePlaceInItsRuleAReloadGaveToAnotherActionIsLeftOutOfItsGroupsMessage() async throws {
        let clock = ManualClock(Self.start)
        let harness = try await EngineHarness(rules: Self.config(), now: { clock.now })
        defer { harness.removeFiles() }
        let rules = RuleSetProvider(harness.loaded.rules)
        let dispatcher = harness.dispatcher(environment: DispatcherEnvironment(now: { clock.now }, random: { 1 }), rules: rules)
        let event = EngineTests.id(try await harness.store.ingest(Self.failed("e-1")))
        try await ServiceGroupRunner.whileRunning(dispatcher, logger: harness.logger) {
            try await harness.until { try await Self.step(event, harness)?.status == .deferred }
            let reloaded = EngineHarness.configuration(
                """
                plugins:
                  alert:
                    receivers: { ops: { log: {} } }
                    group_wait: 30s
                    group_interval: 5m
                rules:
                  - name: page-on-failed-export
                    on: export.failed
                    do:
                      - log: { message: "export {{export.uid}} failed" }
                      - alert: { receiver: ops, text: "Export {{export.uid}} failed (v2)", group_by: [event.type] }
                """
            )
            rules.replace(with: reloaded.rules)
            dispatcher.host.replace(with: reloaded.plugins)
            clock.advance(by: 30)
            dispatcher.signal.wake()
            try await harness.until { try await harness.store.steps(eventID: event).count == 2 }
            clock.advance(by: 30)
            dispatcher.signal.wake()
            try await harness.until { try await harness.store.event(id: event)?.status == .done }
        }

        #expect(Self.groupMessages(harness) == [["Export e-1 failed (v2)"]])
        let steps = try await harness.store.steps(eventID: event)
        #expect(steps.map { "\($0.plugin).\($0.action) \($0.status.rawValue)" } == ["log.write done", "alert.send done"])
        #expect(steps.first?.detail == "logged: export e-1 failed")
    }

    static func step(_ eventID: String, _ harness: EngineHarness) async throws -> StepRecord? {
        try await harness.store.steps(eventID: eventID).first
    }

    static func steps(_ eventIDs: [String], _ harness: EngineHarness) async throws -> [StepRecord] {
        var steps: [StepRecord] = []
        for id in eventIDs { steps += try await harness.store.steps(eventID: id) }
        return steps
    }

    /// The texts of every message the log receiver wrote, one list per message.
    static func groupMessages(_ harness: EngineHarness) -> [[String]] {
        harness.logs.entries.filter { $0.message == "Alert group message" }.map { entry in
            "\(entry.metadata["alert.texts"] ?? "")".split(separator: "\n").map(String.init)
        }
    }
}

/// Outbound HTTP for the alert plugin's webhook receiver: answers from a script, then 200, and records
/// every request.
private final class ScriptedReceiver: OutboundHTTP {
    private let statuses: Mutex<[Int]>
    private let recorded = Mutex<[OutboundRequest]>([])

    init(statuses: [Int]) { self.statuses = Mutex(statuses) }

    var requests: [OutboundRequest] { recorded.withLock { $0 } }

    func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        recorded.withLock { $0.append(request) }
        return OutboundResponse(status: statuses.withLock { $0.isEmpty ? 200 : $0.removeFirst() })
    }
}

/// Contexts whose outbound HTTP is the test's receiver.
private struct ReceiverContexts: PluginContextFactory {
    let http: any OutboundHTTP
    func context(plugin: String, request: ActionRequest, base: PluginContext) -> PluginContext {
        var context = base
        context.http = http
        return context
    }
}
