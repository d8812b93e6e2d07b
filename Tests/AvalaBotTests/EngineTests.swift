import BotEngine
import BotKit
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import AvalaBot

/// The engine end to end: a real SQLite store, rules from YAML, the dispatcher, plugins.
@Suite struct EngineTests {
    static func event(_ type: EventType = .exportCompleted, uid: String, keys: [String]? = nil, data: JSON? = nil) -> Event {
        Event(
            type: type,
            source: .webhook,
            subject: .init(kind: "export", uid: uid),
            data: data ?? ["export": ["uid": .string(uid), "format": "coco", "status": "completed"]],
            keys: keys ?? ["export.completed:\(uid)"]
        )
    }

    @Test func aLogRuleRunsOnceForADuplicatedEvent() async throws {
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: log-exports
                    on: export.*
                    where: { "export.format": coco }
                    do:
                      - log: { message: "export {{export.uid}} is {{export.status}}" }
                """
        )
        defer { harness.removeFiles() }
        #expect(harness.loaded.diagnostics.isEmpty)
        let first = try await harness.store.ingest(Self.event(uid: "e-1", keys: ["delivery:avala:d-1", "export.completed:e-1"]))
        let again = try await harness.store.ingest(Self.event(uid: "e-1", keys: ["delivery:avala:d-2", "export.completed:e-1"]))
        #expect(first.isNew)
        #expect(!again.isNew)
        let dispatcher = harness.dispatcher()
        try await ServiceGroupRunner.whileRunning(dispatcher, logger: harness.logger) {
            try await harness.until { try await harness.store.event(id: Self.id(first))?.status == .done }
        }
        let steps = try await harness.store.steps(eventID: Self.id(first))
        #expect(steps.map(\.status) == [.done])
        #expect(steps.first?.detail == "logged: export e-1 is completed")
        #expect(harness.renderedLogs.contains("export e-1 is completed"))
    }

    @Test func aTransientFailureIsRetriedUntilItWorks() async throws {
        let id = "flaky-\(UUID().uuidString)"
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: flaky
                    on: export.completed
                    do:
                      - record: { id: "\(id)", mode: flaky, succeed_after: 2 }
                """
        )
        defer { harness.removeFiles() }
        let result = try await harness.store.ingest(Self.event(uid: "e-2"))
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(maxAttempts: 5), logger: harness.logger) {
            try await harness.until { try await harness.store.event(id: Self.id(result))?.status == .done }
        }
        let step = try #require(try await harness.store.steps(eventID: Self.id(result)).first)
        #expect(step.status == .done)
        #expect(step.attempts == 2)
        #expect(step.detail == "worked on call 3")
    }

    @Test func anActionThatKeepsFailingIsDeadLetteredAndRaisesOneBotEvent() async throws {
        let id = "dead-\(UUID().uuidString)"
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: doomed
                    on: export.completed
                    do:
                      - record: { id: "\(id)", mode: fail }
                  - name: watch-dead-letters
                    on: bot.action.dead_lettered
                    do:
                      - record: { id: "\(id)-watch", mode: permanent }
                """
        )
        defer { harness.removeFiles() }
        let result = try await harness.store.ingest(Self.event(uid: "e-3"))
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(maxAttempts: 3), logger: harness.logger) {
            try await harness.until {
                let dead = try await harness.store.deadLetters(limit: 10).count
                let events = try await harness.store.recentEvents(limit: 10, since: nil)
                return dead == 2 && events.allSatisfy { $0.status == .done }
            }
        }
        #expect(RecordingPlugin.calls(id).count == 3)
        let dead = try await harness.store.deadLetters(limit: 10)
        #expect(Set(dead.map(\.rule)) == ["doomed", "watch-dead-letters"])
        let doomed = try #require(dead.first { $0.rule == "doomed" })
        #expect(doomed.detail == "gave up after 3 attempts: boom 3")
        let events = try await harness.store.recentEvents(limit: 10, since: nil).map(\.event)
        // One bot event for the doomed action; the failure while handling it raises nothing more.
        #expect(events.filter { $0.type == .botActionDeadLettered }.count == 1)
        let raised = try #require(events.first { $0.type == .botActionDeadLettered })
        #expect(raised.data["rule"] == "doomed")
        #expect(raised.data["original"]?["id"]?.stringValue == Self.id(result))
        #expect(RecordingPlugin.calls("\(id)-watch").count == 1)
    }

    /// Calling Avala outside the plugin's declared scopes fails the same way on every attempt: it is
    /// dead-lettered after one, with the refusal as its reason, instead of being retried.
    @Test func anUndeclaredAvalaScopeIsDeadLetteredAfterOneAttempt() async throws {
        let id = "scope-\(UUID().uuidString)"
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: reads-members
                    on: export.completed
                    do:
                      - record: { id: "\(id)", mode: avala }
                """
        )
        defer { harness.removeFiles() }
        _ = try await harness.store.ingest(Self.event(uid: "e-scope"))
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(maxAttempts: 3), logger: harness.logger) {
            try await harness.until { try await !harness.store.deadLetters(limit: 10).isEmpty }
        }
        let dead = try #require(try await harness.store.deadLetters(limit: 10).first)
        #expect(dead.attempts == 1)
        #expect(dead.detail == "this plugin did not declare the Avala scope 'read_members'")
        #expect(RecordingPlugin.calls(id).count == 1)
    }

    @Test func anActionDeadLetteredWhileHandlingABotEventOtherThanADeadLetterRaisesOne() async throws {
        let id = "roster-\(UUID().uuidString)"
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: reconcile
                    on: bot.roster.due
                    do:
                      - record: { id: "\(id)", mode: permanent }
                """
        )
        defer { harness.removeFiles() }
        let due = try await harness.store.ingest(
            Event(type: .botRosterDue, source: .bot, origin: "roster", data: [:], keys: ["bot.roster.due:\(id)"])
        )
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until {
                try await harness.store.recentEvents(limit: 10, since: nil).contains { $0.event.type == .botActionDeadLettered }
            }
        }
        let raised = try #require(try await harness.store.recentEvents(limit: 10, since: nil).first { $0.event.type == .botActionDeadLettered })
        #expect(raised.event.data["rule"] == "reconcile")
        #expect(raised.event.data["reason"] == "cannot ever work")
        #expect(raised.event.data["original"]?["id"]?.stringValue == Self.id(due))
        #expect(raised.event.data["original"]?["type"] == "bot.roster.due")
    }

    @Test func aCrashAfterTheActionResumesWithoutActingTwice() async throws {
        let id = "crash-\(UUID().uuidString)"
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: two-steps
                    on: export.completed
                    do:
                      - record: { id: "\(id)-first" }
                      - record: { id: "\(id)-second" }
                """
        )
        defer { harness.removeFiles() }
        let result = try await harness.store.ingest(Self.event(uid: "e-4"))
        let crashed = CrashSwitch()
        // The first run acts on the second step, then "dies" before journaling its outcome.
        let crashing = harness.dispatcher(
            environment: DispatcherEnvironment(
                random: { 0 },
                afterPerform: { step in
                    if step.hasSuffix("/1"), crashed.trip() { throw SimulatedCrash() }
                }
            )
        )
        try await ServiceGroupRunner.whileRunning(crashing, logger: harness.logger) {
            try await harness.until { crashed.tripped }
        }
        let afterCrash = try await harness.store.steps(eventID: Self.id(result)).sorted { $0.actionIndex < $1.actionIndex }
        #expect(afterCrash.map(\.status) == [.done, .running])
        #expect(try await harness.store.event(id: Self.id(result))?.status == .running)

        // A new start: the event is claimed again, the done step is not run again, the interrupted one
        // is told it is resuming and checks the "API" first.
        let restarted = harness.dispatcher()
        try await ServiceGroupRunner.whileRunning(restarted, logger: harness.logger) {
            try await harness.until { try await harness.store.event(id: Self.id(result))?.status == .done }
        }
        #expect(RecordingPlugin.calls("\(id)-first").count == 1)
        #expect(RecordingPlugin.calls("\(id)-second").count == 1)
        let steps = try await harness.store.steps(eventID: Self.id(result)).sorted { $0.actionIndex < $1.actionIndex }
        #expect(steps.map(\.status) == [.done, .skipped])
        #expect(steps.last?.detail == "already called before the crash")
    }

    /// An action that kills the bot each time it runs would otherwise restart it forever (a service
    /// manager restarts it, it claims the event again, runs the action again): each interrupted run counts
    /// as an attempt, and after `max_attempts` of them the action is dead-lettered without running.
    @Test func anActionInterruptedMaxAttemptsTimesIsDeadLetteredWithoutRunningAgain() async throws {
        let id = "poison-\(UUID().uuidString)"
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: poison
                    on: export.completed
                    do:
                      - record: { id: "\(id)" }
                """
        )
        defer { harness.removeFiles() }
        let result = try await harness.store.ingest(Self.event(uid: "e-poison"))
        // The plugin acts once and reports itself done when resumed: the runs are counted here.
        let runs = Mutex(0)
        for run in 1...3 {
            let crashed = CrashSwitch()
            let crashing = harness.dispatcher(
                maxAttempts: 3,
                environment: DispatcherEnvironment(
                    random: { 0 },
                    afterPerform: { _ in
                        runs.withLock { $0 += 1 }
                        if crashed.trip() { throw SimulatedCrash() }
                    }
                )
            )
            try await ServiceGroupRunner.whileRunning(crashing, logger: harness.logger) {
                try await harness.until { crashed.tripped }
            }
            let step = try #require(try await harness.store.steps(eventID: Self.id(result)).first)
            #expect(step.status == .running)
            #expect(step.attempts == run - 1, "the interruption is counted when the step runs again")
        }
        #expect(runs.withLock { $0 } == 3)

        let restarted = harness.dispatcher(
            maxAttempts: 3,
            environment: DispatcherEnvironment(random: { 0 }, afterPerform: { _ in runs.withLock { $0 += 1 } })
        )
        try await ServiceGroupRunner.whileRunning(restarted, logger: harness.logger) {
            try await harness.until { try await harness.store.event(id: Self.id(result))?.status == .done }
        }
        #expect(runs.withLock { $0 } == 3, "not run a fourth time")
        #expect(RecordingPlugin.calls(id).count == 1)
        let dead = try #require(try await harness.store.deadLetters(limit: 10).first)
        #expect(dead.rule == "poison")
        #expect(dead.attempts == 3)
        #expect(dead.detail == "interrupted 3 times while it ran (the bot stopped or crashed); not run again (dispatcher.max_attempts is 3)")
        let events = try await harness.store.recentEvents(limit: 10, since: nil).map(\.event)
        #expect(events.filter { $0.type == .botActionDeadLettered }.count == 1)
    }

    @Test func eventsAboutOneSubjectAreNeverProcessedAtOnce() async throws {
        let id = "order-\(UUID().uuidString)"
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: slow
                    on: export.completed
                    do:
                      - record: { id: "\(id)-{{export.uid}}", mode: slow, delay_ms: 30 }
                """
        )
        defer { harness.removeFiles() }
        // The plugin's overlap record is shared by every test in the process: the subject must be this test's own.
        let same = "same-\(UUID().uuidString)"
        for n in 0..<6 {
            _ = try await harness.store.ingest(
                Self.event(uid: same, keys: ["delivery:avala:\(n)"], data: ["export": ["uid": .string(same), "n": .number(Double(n))]])
            )
            _ = try await harness.store.ingest(Self.event(uid: "other-\(n)", keys: ["delivery:avala:o\(n)"]))
        }
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(concurrency: 8), logger: harness.logger) {
            try await harness.until {
                try await harness.store.recentEvents(limit: 20, since: nil).allSatisfy { $0.status == .done }
            }
        }
        #expect(RecordingPlugin.calls("\(id)-\(same)").count == 6)
        #expect(!RecordingPlugin.overlaps.withLock { $0.contains("export:\(same)") })
    }

    @Test func gracefulShutdownLetsInFlightWorkFinish() async throws {
        let id = "drain-\(UUID().uuidString)"
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: slow
                    on: export.completed
                    do:
                      - record: { id: "\(id)", mode: slow, delay_ms: 300 }
                """
        )
        defer { harness.removeFiles() }
        let result = try await harness.store.ingest(Self.event(uid: "e-5"))
        let dispatcher = harness.dispatcher()
        try await ServiceGroupRunner.whileRunning(dispatcher, logger: harness.logger) {
            // Shut down as soon as the action has started.
            try await harness.until { !RecordingPlugin.calls(id).isEmpty }
        }
        #expect(try await harness.store.event(id: Self.id(result))?.status == .done)
        #expect(dispatcher.cutShort.isEmpty, "the drain finished everything")
    }

    /// Told at the signal that the process is stopping (its producers stop first, which takes time of
    /// their own), the dispatcher counts its grace period from then: an action still running when it is
    /// over is cancelled, without waiting for the group to reach the dispatcher.
    @Test func theGracePeriodCountsFromTheSignal() async throws {
        let id = "early-\(UUID().uuidString)"
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: stuck
                    on: export.completed
                    do:
                      - record: { id: "\(id)", mode: slow, delay_ms: 120000 }
                """
        )
        defer { harness.removeFiles() }
        let result = try await harness.store.ingest(Self.event(uid: "e-6"))
        let dispatcher = harness.dispatcher(shutdownGrace: .milliseconds(200))
        try await ServiceGroupRunner.whileRunning(dispatcher, logger: harness.logger) {
            try await harness.until { !RecordingPlugin.calls(id).isEmpty }
            dispatcher.shutdownBegan()
            // The group has not asked the dispatcher to stop: only the early notice counts.
            try await harness.until { harness.renderedLogs.contains("Shutdown grace period over; cancelling in-flight actions") }
        }
        let event = try #require(try await harness.store.event(id: Self.id(result)))
        #expect(event.status != .done, "the cancelled action resumes on the next start")
        // Named, for `run` to exit non-zero on and log: the stop was not clean.
        #expect(dispatcher.cutShort == [event.event.id])
        #expect(harness.renderedLogs.contains("event.ids=\(event.event.id)"), "\(harness.renderedLogs)")
    }

    static func id(_ result: IngestResult) -> String {
        if case .new(let id) = result { return id }
        return ""
    }
}

/// Trips once.
final class CrashSwitch: Sendable {
    private let state = Mutex(false)
    var tripped: Bool { state.withLock { $0 } }
    func trip() -> Bool {
        state.withLock { tripped in
            defer { tripped = true }
            return !tripped
        }
    }
}
