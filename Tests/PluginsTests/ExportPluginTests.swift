import BotKit
import Foundation
import Synchronization
import Testing

@testable import ExportPlugin

/// The export plugin's chain cap, request shapes, crash adoption and re-export of failures.
@Suite struct ExportPluginTests {
    static func request(_ parameters: [String: JSON], action: String = "create", depth: Int = 0, data: JSON = [:]) -> ActionRequest {
        ActionRequest(
            action: action,
            parameters: parameters,
            event: Event(type: .exportCompleted, source: .webhook, data: data, chainDepth: depth),
            rule: "chain"
        )
    }

    @Test func configIsChecked() throws {
        #expect(throws: PluginConfigError(key: "max_chain_depth", "must be at least 1")) {
            try ExportPlugin(config: PluginConfig(["max_chain_depth": 0]))
        }
        #expect(throws: PluginConfigError(key: "request_shape", "'rest' is not one of: docs, sdk, project")) {
            try ExportPlugin(config: PluginConfig(["request_shape": "rest"]))
        }
    }

    @Test func createsWithTheNextDepthAndStopsAtTheCap() async throws {
        let avala = FakeAvalaActions()
        let plugin = try ExportPlugin(config: PluginConfig())
        let outcome = try await plugin.perform(
            Self.request(["project": "p1", "format": "yolo", "follow": true], depth: 1),
            context: .test(avala: avala)
        )
        #expect(outcome == .done("started export exp-1 of project p1 as yolo (chain depth 2, followed)"))
        #expect(avala.world.withLock { $0.chains["exp-1"]?.depth } == 2)
        #expect(avala.world.withLock { $0.intents.isEmpty })
        let capped = try await plugin.perform(Self.request(["project": "p1", "format": "yolo"], depth: 3), context: .test(avala: avala))
        #expect(capped == .skipped("chain depth 3 reached plugins.export.max_chain_depth (3); no export started"))
        #expect(avala.calls == ["export docs [\"p1\"] yolo depth 2"])
    }

    @Test(arguments: [
        ("docs", [String: JSON](), "neither project nor dataset is set (or they rendered empty)"),
        ("docs", ["project": "p", "dataset": "d", "format": "coco"], "set project or dataset, not both"),
        ("docs", ["project": "p"], "format is required with request_shape docs"),
        (
            "sdk", ["project": "p", "format": "coco"],
            "request_shape sdk cannot carry a format: remove format from the rule or use request_shape docs"
        ),
        ("project", ["dataset": "d", "format": "coco"], "request_shape project exports projects only; this action names a dataset"),
    ])
    func parametersThatCannotWorkFailPermanently(shape: String, parameters: [String: JSON], message: String) async throws {
        let avala = FakeAvalaActions()
        let plugin = try ExportPlugin(config: PluginConfig(["request_shape": .string(shape)]))
        #expect(try await plugin.perform(Self.request(parameters), context: .test(avala: avala)) == .failed(message))
        #expect(avala.calls.isEmpty)
    }

    @Test func aRetryAfterALostAnswerAdoptsTheExportInsteadOfCreatingASecond() async throws {
        let avala = FakeAvalaActions()
        avala.loseNextCreateAnswer.withLock { $0 = true }
        let state = MemoryPluginState()
        let plugin = try ExportPlugin(config: PluginConfig())
        let request = Self.request(["project": "p1", "format": "yolo"])
        await #expect(throws: FakeAvalaActions.FakeLostAnswer.self) {
            try await plugin.perform(request, context: .test(avala: avala, state: state, now: { Date() }))
        }
        // The outcome is unknown: the chain intent stays, for the export's events.
        #expect(avala.world.withLock { $0.intents["event-1/rule/0"]?.depth } == 1)
        let again = try await plugin.perform(request, context: .test(avala: avala, state: state, attempt: 1, now: { Date() }))
        #expect(again == .done("adopted export exp-1 of project p1, created by an earlier attempt (chain depth 1)"))
        #expect(avala.calls.count == 1)
        #expect(try await state.get("intent:event-1/rule/0") == nil)
        #expect(avala.world.withLock { $0.intents.isEmpty })
    }

    /// The dispatcher journals an outcome after `perform` returns: a crash in between runs the action
    /// again under the same key, with no intent left to adopt by. It answers with its export.
    @Test func aRunRepeatedAfterACrashBeforeTheJournalStartsNoSecondExport() async throws {
        let avala = FakeAvalaActions()
        let state = MemoryPluginState()
        let plugin = try ExportPlugin(config: PluginConfig())
        let request = Self.request(["project": "p1", "format": "yolo", "follow": true])
        let first = try await plugin.perform(request, context: .test(avala: avala, state: state))
        let again = try await plugin.perform(request, context: .test(avala: avala, state: state, resuming: true))
        #expect(first == .done("started export exp-1 of project p1 as yolo (chain depth 1, followed)"))
        #expect(again == first)
        #expect(avala.calls.count == 1, "\(avala.calls)")
        // Another action of the same rule and project is not taken for this one.
        let other = try await plugin.perform(request, context: .test(avala: avala, state: state, key: "event-2/rule/0"))
        #expect(other == .done("started export exp-2 of project p1 as yolo (chain depth 1, followed)"))
    }

    /// A reload may give an action's key to another action of its rule: the record of the export the
    /// earlier one started does not answer for an action that asks for something else.
    @Test func theRecordOfAnExportAnswersOnlyTheActionThatAskedForIt() async throws {
        let avala = FakeAvalaActions()
        let state = MemoryPluginState()
        let plugin = try ExportPlugin(config: PluginConfig())
        _ = try await plugin.perform(Self.request(["project": "p1", "format": "yolo"]), context: .test(avala: avala, state: state))
        let reloaded = try await plugin.perform(
            Self.request(["project": "p2", "format": "yolo"]),
            context: .test(avala: avala, state: state, resuming: true)
        )
        #expect(reloaded == .done("started export exp-2 of project p2 as yolo (chain depth 1)"))
        let failed: JSON = ["export": ["uid": "f-1", "format": "coco", "projects": ["p1"]]]
        let retry = try await plugin.perform(
            Self.request(["backoff": "0s"], action: "retry_failed", data: failed),
            context: .test(avala: avala, state: state, resuming: true)
        )
        #expect(retry == .done("re-export 1 of 3 of f-1: started export exp-3 of project p1 as coco (chain depth 1, followed)"))
        #expect(avala.calls.count == 3, "\(avala.calls)")
    }

    @Test func aReExportRepeatedAfterACrashIsStartedAndCountedOnce() async throws {
        let avala = FakeAvalaActions()
        let state = MemoryPluginState()
        let plugin = try ExportPlugin(config: PluginConfig())
        let failed: JSON = ["export": ["uid": "f-1", "format": "coco", "projects": ["p1"], "status": "failed"]]
        let request = Self.request(["times": 2, "backoff": "0s"], action: "retry_failed", data: failed)
        let first = try await plugin.perform(request, context: .test(avala: avala, state: state))
        let again = try await plugin.perform(request, context: .test(avala: avala, state: state, resuming: true))
        #expect(first == .done("re-export 1 of 2 of f-1: started export exp-1 of project p1 as coco (chain depth 1, followed)"))
        #expect(again == first)
        #expect(avala.calls.count == 1, "\(avala.calls)")
        // The re-export fails in turn: that is the original's second re-export, not its third.
        let next = Self.request(
            ["times": 2, "backoff": "0s"],
            action: "retry_failed",
            data: ["export": ["uid": "exp-1", "format": "coco", "projects": ["p1"]]]
        )
        let second = try await plugin.perform(next, context: .test(avala: avala, state: state, key: "event-2/rule/0"))
        #expect(second == .done("re-export 2 of 2 of f-1: started export exp-2 of project p1 as coco (chain depth 1, followed)"))
    }

    /// A re-export is named after the original once, and within the 255 characters Avala takes: a long
    /// name must not make every re-export a refusal.
    @Test func aReExportsNameKeepsTheOriginalsOnceAndFitsAvalasLimit() async throws {
        let avala = FakeAvalaActions()
        let state = MemoryPluginState()
        let plugin = try ExportPlugin(config: PluginConfig())
        let long = String(repeating: "é", count: 250)
        let failed: JSON = ["export": ["uid": "f-1", "format": "coco", "projects": ["p1"], "name": .string(long)]]
        let request = Self.request(["backoff": "0s"], action: "retry_failed", data: failed)
        _ = try await plugin.perform(request, context: .test(avala: avala, state: state))
        let reFailed: JSON = ["export": ["uid": "exp-1", "format": "coco", "projects": ["p1"], "name": "nightly (retry 1)"]]
        let next = Self.request(["backoff": "0s"], action: "retry_failed", data: reFailed)
        _ = try await plugin.perform(next, context: .test(avala: avala, state: state, key: "event-2/rule/0"))
        let names = avala.world.withLock { $0.exportNames }
        #expect(names.count == 2)
        #expect(names.first?.unicodeScalars.count == 255)
        #expect(names.first == String(repeating: "é", count: 244) + "… (retry 1)")
        #expect(names.last == "nightly (retry 2)")
    }

    /// Another export of the same project and format made an hour later is someone else's: the retry
    /// adopts the one its own lost request created.
    @Test func aRetryAdoptsItsOwnExportNotALaterOneOfTheSameProjectAndFormat() async throws {
        let avala = FakeAvalaActions()
        avala.loseNextCreateAnswer.withLock { $0 = true }
        let state = MemoryPluginState()
        let plugin = try ExportPlugin(config: PluginConfig())
        let request = Self.request(["project": "p1", "format": "yolo"])
        await #expect(throws: FakeAvalaActions.FakeLostAnswer.self) {
            try await plugin.perform(request, context: .test(avala: avala, state: state, now: { Date() }))
        }
        avala.world.withLock {
            $0.exports.append(
                AvalaExport(uid: "theirs", status: "requested", format: "yolo", projects: ["p1"], createdAt: Date().addingTimeInterval(3_600))
            )
        }
        let again = try await plugin.perform(
            request,
            context: .test(avala: avala, state: state, attempt: 1, now: { Date().addingTimeInterval(7_200) })
        )
        #expect(again == .done("adopted export exp-1 of project p1, created by an earlier attempt (chain depth 1)"))
    }

    /// The intent of a request that never reached Avala, found a day later (a dead-letter retry): a newer
    /// export of the same project and format is not this action's, and a new one is started.
    @Test func anIntentFoundADayLaterDoesNotAdoptANewerExport() async throws {
        let avala = FakeAvalaActions()
        avala.loseNextCreateAnswer.withLock { $0 = true }
        let state = MemoryPluginState()
        let plugin = try ExportPlugin(config: PluginConfig())
        let request = Self.request(["project": "p1", "format": "yolo"])
        await #expect(throws: FakeAvalaActions.FakeLostAnswer.self) {
            try await plugin.perform(request, context: .test(avala: avala, state: state, now: { Date() }))
        }
        let later = Date().addingTimeInterval(86_400)
        avala.world.withLock { world in
            // The request timed out before Avala saw it: nothing of this action's exists.
            world.exports.removeAll { $0.uid == "exp-1" }
            world.exports.append(
                AvalaExport(uid: "theirs", status: "requested", format: "yolo", projects: ["p1"], createdAt: later.addingTimeInterval(-600))
            )
        }
        let again = try await plugin.perform(request, context: .test(avala: avala, state: state, attempt: 1, now: { later }))
        #expect(again.name == "done" && again.detail.hasPrefix("started export exp-2 of project p1"), "\(again)")
        #expect(avala.calls.count == 2)
    }

    /// A first attempt whose request never reached Avala (its answer lost, nothing created): the
    /// plugin's state and the fake's world as after it, at the time `clock` shows.
    private static func lostFirstAttempt(
        _ plugin: ExportPlugin,
        _ request: ActionRequest,
        avala: FakeAvalaActions,
        state: MemoryPluginState,
        clock: TestClock
    ) async throws {
        avala.loseNextCreateAnswer.withLock { $0 = true }
        await #expect(throws: FakeAvalaActions.FakeLostAnswer.self) {
            try await plugin.perform(request, context: .test(avala: avala, state: state, now: clock.now))
        }
        avala.world.withLock { world in world.exports.removeAll { $0.uid.hasPrefix("exp-") } }
    }

    /// A rule may export the same project and format as the export whose completion started it, just
    /// after it: a retry never takes that export for the one its own lost request created.
    @Test func aRetryNeverAdoptsTheExportThatStartedIt() async throws {
        let avala = FakeAvalaActions()
        let state = MemoryPluginState()
        let clock = TestClock(Date())
        avala.world.withLock {
            $0.exports.append(
                AvalaExport(uid: "root", status: "exported", format: "yolo", projects: ["p1"], createdAt: clock.now().addingTimeInterval(-5))
            )
        }
        let plugin = try ExportPlugin(config: PluginConfig())
        let request = Self.request(["project": "p1", "format": "yolo"], data: ["export": ["uid": "root", "format": "yolo", "projects": ["p1"]]])
        try await Self.lostFirstAttempt(plugin, request, avala: avala, state: state, clock: clock)
        #expect(avala.world.withLock { $0.intents["event-1/rule/0"]?.trigger } == "root", "the events of root keep their own depth")
        clock.advance(120)
        let again = try await plugin.perform(request, context: .test(avala: avala, state: state, attempt: 1, now: clock.now))
        #expect(again.name == "done" && again.detail.hasPrefix("started export"), "\(again)")
        #expect(avala.world.withLock { $0.chains["root"] } == nil)
    }

    /// An export the bot recorded as another action's is never adopted, however well it matches.
    @Test func aRetryNeverAdoptsAnotherActionsExport() async throws {
        let avala = FakeAvalaActions()
        let state = MemoryPluginState()
        let clock = TestClock(Date())
        let plugin = try ExportPlugin(config: PluginConfig())
        let request = Self.request(["project": "p1", "format": "yolo"])
        try await Self.lostFirstAttempt(plugin, request, avala: avala, state: state, clock: clock)
        // Another event's action, a moment later, creates its own export of the same project and format.
        _ = try await plugin.perform(request, context: .test(avala: avala, key: "event-2/rule/0", now: clock.now))
        let theirs = try #require(avala.world.withLock { $0.exports.last?.uid })
        clock.advance(120)
        let again = try await plugin.perform(request, context: .test(avala: avala, state: state, attempt: 1, now: clock.now))
        #expect(again.name == "done" && again.detail.hasPrefix("started export"), "\(again)")
        #expect(!again.detail.contains(theirs), "\(again)")
        #expect(avala.calls.count == 3)
    }

    /// Another action's request whose answer is still on the way has created an export that nobody owns
    /// yet: the retry leaves it to that action, whose intent was made closer to it, and creates its own.
    @Test func aRetryLeavesAnExportToTheActionWhoseIntentIsCloser() async throws {
        let avala = FakeAvalaActions()
        let state = MemoryPluginState()
        let clock = TestClock(Date())
        let start = clock.now()
        let plugin = try ExportPlugin(config: PluginConfig())
        let request = Self.request(["project": "p1", "format": "yolo"])
        try await Self.lostFirstAttempt(plugin, request, avala: avala, state: state, clock: clock)
        let theirs = start.addingTimeInterval(35)
        avala.world.withLock {
            $0.intents["event-2/rule/0"] = ExportChainIntent(id: "event-2/rule/0", project: "p1", format: "yolo", depth: 1, at: theirs)
            $0.exports.append(
                AvalaExport(uid: "in-flight", status: "requested", format: "yolo", projects: ["p1"], createdAt: theirs.addingTimeInterval(1))
            )
        }
        clock.advance(61)
        let again = try await plugin.perform(request, context: .test(avala: avala, state: state, attempt: 1, now: clock.now))
        #expect(again.name == "done" && again.detail.hasPrefix("started export"), "\(again)")
        #expect(avala.world.withLock { $0.owners["in-flight"] } == nil, "left for its own action")
    }

    /// A request that got no answer may still be creating the export: the retry sends nothing until it
    /// could no longer land (the API's request timeout and a margin after it), then creates.
    @Test func aRetryWaitsForAnUnansweredRequestBeforeSendingAnother() async throws {
        let avala = FakeAvalaActions()
        let state = MemoryPluginState()
        let clock = TestClock(Date())
        let started = clock.now()
        let plugin = try ExportPlugin(config: PluginConfig())
        let request = Self.request(["project": "p1", "format": "yolo"])
        try await Self.lostFirstAttempt(plugin, request, avala: avala, state: state, clock: clock)
        clock.advance(5)
        let early = try await plugin.perform(request, context: .test(avala: avala, state: state, attempt: 1, now: clock.now))
        // A wait chosen, not a failed attempt: `deferred`, which a short backoff neither cuts nor counts.
        guard case .deferred(let until, _) = early else {
            Issue.record("expected a deferral, got \(early)")
            return
        }
        #expect(abs(until.timeIntervalSince(started) - 60) < 1, "\(until)")
        #expect(avala.calls.count == 1, "nothing sent while the first request may still land")
        clock.advance(60)
        let later = try await plugin.perform(request, context: .test(avala: avala, state: state, attempt: 2, now: clock.now))
        #expect(later.name == "done" && later.detail.hasPrefix("started export"), "\(later)")
        #expect(avala.calls.count == 2)
    }

    @Test func retryFailedWaitsItsBackoffThenReExportsUpToTimes() async throws {
        let avala = FakeAvalaActions()
        let state = MemoryPluginState()
        let plugin = try ExportPlugin(config: PluginConfig())
        let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))
        let failed: JSON = ["export": ["uid": "f-1", "format": "coco", "projects": ["p1"], "status": "failed"]]
        let request = Self.request(["times": 1, "backoff": "30s"], action: "retry_failed", data: failed)
        let first = try await plugin.perform(request, context: .test(avala: avala, state: state, now: clock.now))
        #expect(first == .deferred(until: Date(timeIntervalSince1970: 1_800_000_030), reason: "re-export 1 of 1 of f-1 waits for its backoff"))
        clock.advance(30)
        let second = try await plugin.perform(request, context: .test(avala: avala, state: state, now: clock.now))
        #expect(second == .done("re-export 1 of 1 of f-1: started export exp-1 of project p1 as coco (chain depth 1, followed)"))
        // The re-export fails too: its failure counts against the original.
        let again = Self.request(["times": 1], action: "retry_failed", data: ["export": ["uid": "exp-1", "format": "coco", "projects": ["p1"]]])
        let third = try await plugin.perform(again, context: .test(avala: avala, state: state, key: "event-2/rule/0", now: clock.now))
        #expect(third == .skipped("export f-1 was re-exported 1 times already (times: 1); giving up"))
        #expect(avala.calls.count == 1)
    }

    /// An original's count and its re-exports' links outlive its last re-export by a week, then go: a
    /// year of failures must not leave two entries each behind for good.
    @Test func retryFailedDropsAChainsStateAWeekAfterItsLastReExport() async throws {
        let avala = FakeAvalaActions()
        let state = MemoryPluginState()
        let plugin = try ExportPlugin(config: PluginConfig())
        let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))
        func retry(_ uid: String, key: String) async throws -> ActionOutcome {
            let failed: JSON = ["export": ["uid": .string(uid), "format": "coco", "projects": ["p1"]]]
            let request = Self.request(["backoff": "0s"], action: "retry_failed", data: failed)
            return try await plugin.perform(request, context: .test(avala: avala, state: state, key: key, now: clock.now))
        }
        _ = try await retry("f-1", key: "event-1/rule/0")
        #expect(try await state.get("retries:f-1") == ["exp-1"])
        #expect(try await state.get("retry-origin:exp-1") == "f-1")
        // Six days on, the re-export fails: still counted against f-1.
        clock.advance(6 * 86_400)
        let second = try await retry("exp-1", key: "event-2/rule/0")
        #expect(second.detail.hasPrefix("re-export 2 of 3 of f-1"), "\(second)")
        // A week after f-1's last re-export, another failure's re-export drops f-1's entries.
        clock.advance(7 * 86_400 + 1)
        _ = try await retry("f-2", key: "event-3/rule/0")
        #expect(try await state.get("retries:f-1") == nil)
        #expect(try await state.get("retry-origin:exp-1") == nil)
        #expect(try await state.get("retry-origin:exp-2") == nil)
        #expect(try await state.get("retries:f-2") == ["exp-3"])
        #expect(try await state.get("retry-chains")?.objectValue?.keys.sorted() == ["f-2"])
    }

    /// A backoff under a second is waited, and an action that fails for good after its wait leaves no
    /// wait behind in the state.
    @Test func retryFailedWaitsASubSecondBackoffAndForgetsTheWaitOfAFailure() async throws {
        let state = MemoryPluginState()
        let plugin = try ExportPlugin(config: PluginConfig())
        let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))
        let several: JSON = ["export": ["uid": "f-1", "format": "coco", "projects": ["p1", "p2"]]]
        let request = Self.request(["backoff": "500ms"], action: "retry_failed", data: several)
        let first = try await plugin.perform(request, context: .test(avala: FakeAvalaActions(), state: state, now: clock.now))
        #expect(first == .deferred(until: Date(timeIntervalSince1970: 1_800_000_000.5), reason: "re-export 1 of 3 of f-1 waits for its backoff"))
        clock.advance(0.5)
        let second = try await plugin.perform(request, context: .test(avala: FakeAvalaActions(), state: state, now: clock.now))
        #expect(second.name == "failed", "\(second)")
        #expect(try await state.get("retry-wait:event-1/rule/0") == nil)
    }

    /// What neither the event nor Avala names cannot be asked for again: a permanent failure that says
    /// what is missing, instead of an export of the wrong thing.
    @Test func retryFailedSaysWhatNeitherTheEventNorAvalaNames() async throws {
        let plugin = try ExportPlugin(config: PluginConfig())
        let noFormat = FakeAvalaActions(exports: [AvalaExport(uid: "f-1", status: "failed", projects: ["p1"])])
        let flat: JSON = ["export": ["uid": "f-1", "status": "failed"], "project": ["uid": "p1"]]
        let request = Self.request(["backoff": "0s"], action: "retry_failed", data: flat)
        let outcome = try await plugin.perform(request, context: .test(avala: noFormat, state: MemoryPluginState()))
        #expect(outcome == .failed("cannot re-export f-1: neither the event nor Avala names the format it exported"))
        // The project at the event's root stands in for projects Avala does not list.
        let noProjects = FakeAvalaActions(exports: [AvalaExport(uid: "f-1", status: "failed", format: "coco")])
        let done = try await plugin.perform(request, context: .test(avala: noProjects, state: MemoryPluginState()))
        #expect(done == .done("re-export 1 of 3 of f-1: started export exp-2 of project p1 as coco (chain depth 1, followed)"))
        let nothing = Self.request(["backoff": "0s"], action: "retry_failed", data: ["export": ["uid": "f-1"]])
        let none = try await plugin.perform(nothing, context: .test(avala: noProjects, state: MemoryPluginState()))
        #expect(none == .failed("cannot re-export f-1: neither the event nor Avala names the project or dataset it exported"))
    }

    /// A re-export is one project or dataset: an export of several, or of slices, is refused saying what
    /// it covered, not re-exported as its first project or as the slice's whole project and called done.
    @Test func retryFailedRefusesAnExportOfSeveralProjectsOrOfSlices() async throws {
        let plugin = try ExportPlugin(config: PluginConfig())
        let several: JSON = ["export": ["uid": "f-1", "format": "coco", "projects": ["p1", "p2"], "datasets": ["d1"]]]
        let avala = FakeAvalaActions()
        let outcome = try await plugin.perform(
            Self.request(["backoff": "0s"], action: "retry_failed", data: several),
            context: .test(avala: avala, state: MemoryPluginState())
        )
        #expect(
            outcome
                == .failed(
                    "cannot re-export f-1: it exported 2 projects (p1, p2) and dataset d1; export.retry_failed re-exports one project or dataset, so start this one again by hand"
                )
        )
        // A flat body names the project only; Avala says the export was of a slice.
        let sliced = FakeAvalaActions(exports: [AvalaExport(uid: "f-2", status: "failed", format: "coco", slices: ["s1"])])
        let flat: JSON = ["export": ["uid": "f-2", "status": "failed"], "project": ["uid": "p1"]]
        let refused = try await plugin.perform(
            Self.request(["backoff": "0s"], action: "retry_failed", data: flat),
            context: .test(avala: sliced, state: MemoryPluginState())
        )
        #expect(
            refused
                == .failed(
                    "cannot re-export f-2: it exported slice s1; export.retry_failed re-exports a whole project or dataset only, so start this one again by hand"
                )
        )
        #expect(avala.calls.isEmpty && sliced.calls.isEmpty)
    }

    @Test func retryFailedTimesBelowOneIsRefusedAtLoad() throws {
        let plugin = try ExportPlugin(config: PluginConfig())
        #expect(
            plugin.literalParameterProblems(action: "retry_failed", parameters: ["times": 0])
                == [ParameterProblem("times", "must be at least 1 (it is 0); remove the action to stop re-exporting")]
        )
        #expect(plugin.literalParameterProblems(action: "retry_failed", parameters: ["times": 1]).isEmpty)
    }

    /// Doubling is capped: the 31st re-export of a 1h backoff waits a day, not 2^30 hours.
    @Test func retryFailedWaitsAtMostADay() async throws {
        let state = MemoryPluginState()
        let plugin = try ExportPlugin(config: PluginConfig())
        try await state.set("retries:f-1", 30)
        let failed: JSON = ["export": ["uid": "f-1", "format": "coco", "projects": ["p1"]]]
        let request = Self.request(["times": 40, "backoff": "1h"], action: "retry_failed", data: failed)
        let outcome = try await plugin.perform(request, context: .test(avala: FakeAvalaActions(), state: state))
        #expect(outcome == .deferred(until: Date(timeIntervalSince1970: 1_800_086_400), reason: "re-export 31 of 40 of f-1 waits for its backoff"))
    }

    /// A backoff past the cap could never be waited as written: refused at load, and when a template
    /// renders it, the action fails saying so.
    @Test func aBackoffLongerThanTheCapIsRefused() async throws {
        let plugin = try ExportPlugin(config: PluginConfig())
        #expect(
            plugin.literalParameterProblems(action: "retry_failed", parameters: ["backoff": "25h"])
                == [ParameterProblem("backoff", "must be at most 24h (it is 25h): no wait before a re-export is longer")]
        )
        #expect(plugin.literalParameterProblems(action: "retry_failed", parameters: ["backoff": "1d"]).isEmpty)
        #expect(plugin.literalParameterProblems(action: "retry_failed", parameters: ["backoff": "{{x}}"]).isEmpty)
        let failed: JSON = ["export": ["uid": "f-1", "format": "coco", "projects": ["p1"]]]
        let avala = FakeAvalaActions()
        let outcome = try await plugin.perform(
            Self.request(["backoff": "2d"], action: "retry_failed", data: failed),
            context: .test(avala: avala, state: MemoryPluginState())
        )
        #expect(outcome == .failed("backoff: '2d' is longer than 24h, the longest wait before a re-export"))
        #expect(avala.calls.isEmpty)
    }

    /// A template that renders a bad duration renders it the same on every attempt: retrying cannot help.
    @Test func aBackoffThatIsNotADurationFailsPermanently() async throws {
        let avala = FakeAvalaActions()
        let plugin = try ExportPlugin(config: PluginConfig())
        let failed: JSON = ["export": ["uid": "f-1", "format": "coco", "projects": ["p1"], "status": "failed"]]
        let request = Self.request(["backoff": "soon"], action: "retry_failed", data: failed)
        let outcome = try await plugin.perform(request, context: .test(avala: avala, state: MemoryPluginState()))
        #expect(outcome == .failed("backoff: 'soon' is not a duration (expected e.g. 500ms, 30s, 5m, 1h30m, 7d)"))
        #expect(avala.calls.isEmpty)
    }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    var now: @Sendable () -> Date { { [self] in current.withLock { $0 } } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0.addTimeInterval(seconds) } }
}
