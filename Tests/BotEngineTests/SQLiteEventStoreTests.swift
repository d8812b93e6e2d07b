import BotKit
import Foundation
import GRDB
import InMemoryLogging
import Logging
import Testing

@testable import BotEngine

/// The SQLite store against the ``EventStore`` contract, each test on a fresh file.
@Suite struct SQLiteEventStoreTests {
    // MARK: - Opening

    @Test func theFileIsOpenedDurably() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            #expect(FileManager.default.fileExists(atPath: file.path), "the parent directories are created")
            let (journal, synchronous, foreignKeys) = try await store.pool.write { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                    try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                    try Int.fetchOne(db, sql: "PRAGMA foreign_keys")
                )
            }
            #expect(journal == "wal")
            #expect(synchronous == 2, "FULL: a commit is on disk when ingest returns")
            #expect(foreignKeys == 1)

            // A claim commits without the sync (a lost claim is redone at start), then puts FULL back.
            _ = try await store.ingest(makeStoreEvent("e-1"))
            #expect(try await store.claim(limit: 1, now: file.clock.now).count == 1)
            #expect(try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
        }
    }

    @Test func migratingAgainChangesNothing() async throws {
        try await StoreFile.with { file in
            let first = try await file.open()
            _ = try await first.ingest(makeStoreEvent("e-1", keys: ["k-1"]))
            try await first.migrate()
            try first.close()

            let second = try await file.open()
            try await second.migrate()
            #expect(try await second.event(id: "e-1") != nil)
            #expect(try await second.ingest(makeStoreEvent("e-2", keys: ["k-1"])) == .duplicate(existingID: "e-1", key: "k-1"))
            let applied = try await second.pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
            #expect(
                applied == [
                    "v1: events, keys, steps, snapshots, plugin state", "v2: throttle admissions in the journal", "v3: discarded dead letters",
                    "v4: events waiting only on deferred actions", "v5: pending events by due time",
                ]
            )
        }
    }

    // MARK: - Ingest and dedup

    @Test func anEventReadsBackAsItWasIngested() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let data: JSON = [
                "export": [
                    "uid": "e-1", "format": "coco", "count": 3, "ratio": 0.125, "negative": -7, "big": 1e20,
                    "done": true, "error": nil, "tags": ["a", "b/c", "ü ✓"], "nested": ["empty": [:], "list": []],
                ],
                "member": ["email": "dave@acme.ai"],
            ]
            var event = makeStoreEvent("e-1", subject: "e-1", keys: ["delivery:avala:d-1", "export.completed:e-1"], data: data)
            event.origin = "avala-eu"
            event.chainDepth = 2
            event.replayOf = "e-0"
            #expect(try await store.ingest(event) == .new(eventID: "e-1"))

            let stored = try #require(try await store.event(id: "e-1"))
            #expect(stored.event == asStored(event))
            #expect(abs(stored.event.time.timeIntervalSince1970 - 1_762_999_000.125) < 0.000_001, "milliseconds survive")
            #expect(stored.status == .pending)
            #expect(stored.attempts == 0)
            #expect(stored.nextAttemptAt == nil)
            #expect(stored.storedAt == file.clock.now)
            #expect(stored.finishedAt == nil)
            #expect(try await store.event(id: "missing") == nil)

            let text = try await store.pool.read { db in try String.fetchOne(db, sql: "SELECT data FROM events") }
            #expect(text?.contains("\n") == false, "compact JSON")
            #expect(text?.contains("\"count\":3") == true, "whole numbers without a fraction")
        }
    }

    /// A webhook and a poller see the same export completing: one event, whichever arrives first.
    @Test(arguments: [true, false])
    func aSemanticKeySharedByWebhookAndPollerMakesOneEvent(webhookFirst: Bool) async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let webhook = makeStoreEvent("from-webhook", keys: ["delivery:avala:d-1", "export.completed:e-1"])
            let poller = makeStoreEvent("from-poller", source: .poller, keys: ["export.completed:e-1"])
            let (first, second) = webhookFirst ? (webhook, poller) : (poller, webhook)

            #expect(try await store.ingest(first) == .new(eventID: first.id))
            #expect(try await store.ingest(second) == .duplicate(existingID: first.id, key: "export.completed:e-1"))
            #expect(try await store.event(id: second.id) == nil)
            #expect(try await store.queueDepth() == 1)
        }
    }

    @Test func aRedeliveryOrASecondDeliveryIDIsADuplicate() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            _ = try await store.ingest(makeStoreEvent("e-1", keys: ["delivery:avala:d-1", "export.completed:e-1"]))
            #expect(
                try await store.ingest(makeStoreEvent("e-2", keys: ["delivery:avala:d-1", "export.completed:e-1"]))
                    == .duplicate(existingID: "e-1", key: "delivery:avala:d-1"),
                "the first key found is reported"
            )
            #expect(
                try await store.ingest(makeStoreEvent("e-3", keys: ["delivery:avala:d-2", "export.completed:e-1"]))
                    == .duplicate(existingID: "e-1", key: "export.completed:e-1")
            )
            #expect(try await store.ingest(makeStoreEvent("e-4", keys: ["delivery:avala:d-3", "export.completed:e-2"])).isNew)
        }
    }

    /// A duplicate records none of its keys: its other keys stay free for a later event.
    @Test func aDuplicateLeavesItsOtherKeysUnseen() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            _ = try await store.ingest(makeStoreEvent("e-1", keys: ["k-1"]))
            #expect(try await store.ingest(makeStoreEvent("e-2", keys: ["k-2", "k-1"])) == .duplicate(existingID: "e-1", key: "k-1"))
            #expect(try await store.ingest(makeStoreEvent("e-3", keys: ["k-2"])) == .new(eventID: "e-3"))
        }
    }

    @Test func eventsWithoutKeysAreAlwaysNew() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let results = try await store.ingest([makeStoreEvent("e-1"), makeStoreEvent("e-2")])
            #expect(results == [.new(eventID: "e-1"), .new(eventID: "e-2")])
            #expect(try await store.ingest(makeStoreEvent("e-3")) == .new(eventID: "e-3"))
            #expect(try await store.queueDepth() == 3)
        }
    }

    @Test func theFirstOfTwoEventsSharingAKeyInOneCallWins() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let results = try await store.ingest([
                makeStoreEvent("e-1", keys: ["k-1", "k-2"]),
                makeStoreEvent("e-2", keys: ["k-2"]),
                makeStoreEvent("e-3", keys: ["k-3", "k-3"]),
                makeStoreEvent("e-4", keys: ["k-3"]),
            ])
            #expect(
                results == [
                    .new(eventID: "e-1"), .duplicate(existingID: "e-1", key: "k-2"), .new(eventID: "e-3"),
                    .duplicate(existingID: "e-3", key: "k-3"),
                ]
            )
            #expect(try await store.event(id: "e-3")?.event.keys == ["k-3", "k-3"], "the keys read back as given")
        }
    }

    @Test func snapshotsAreSavedWithTheEventsOrNotAtAll() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let snapshot: JSON = ["exports": ["e-1": "exported"], "cursor": 42]
            let results = try await store.ingest([makeStoreEvent("e-1", keys: ["k-1"])], snapshots: ["exports": snapshot])
            #expect(results == [.new(eventID: "e-1")])
            #expect(try await store.snapshot("exports") == snapshot)
            #expect(try await store.snapshot("projects") == nil)

            // e-1's id is taken: the whole call fails, so neither e-2 nor the new snapshot is saved.
            let conflict = await #expect(throws: SQLiteEventStoreError.self) {
                try await store.ingest(
                    [makeStoreEvent("e-2", keys: ["k-2"]), makeStoreEvent("e-1", keys: ["k-3"])],
                    snapshots: ["exports": ["cursor": 43]]
                )
            }
            #expect(conflict?.code == .eventIDConflict && conflict?.eventID == "e-1")
            #expect(conflict.map { "\($0)" }?.contains("(event e-1)") == true)
            #expect(try await store.snapshot("exports") == snapshot)
            #expect(try await store.event(id: "e-2") == nil)
            #expect(try await store.ingest(makeStoreEvent("e-4", keys: ["k-2"])).isNew, "e-2's key was not kept either")

            _ = try await store.ingest([], snapshots: ["exports": ["cursor": 44]])
            #expect(try await store.snapshot("exports") == ["cursor": 44])
        }
    }

    @Test func aBodyThatIsNotJSONIsRefusedWithTheEventNamed() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let error = await #expect(throws: SQLiteEventStoreError.self) {
                try await store.ingest(makeStoreEvent("e-1", keys: ["k-1"], data: ["value": .number(.nan)]))
            }
            #expect(error?.code == .unencodable && error?.eventID == "e-1")
            #expect(try await store.queueDepth() == 0)
        }
    }

    // MARK: - Claim

    @Test func claimTakesDueEventsOldestFirstAndMarksThemRunning() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            _ = try await store.ingest((1...4).map { makeStoreEvent("e-\($0)") })
            try await store.finish(eventID: "e-2", result: .pendingUntil(now.addingTimeInterval(60)))

            let claimed = try await store.claim(limit: 2, now: now)
            #expect(claimed.map(\.event.id) == ["e-1", "e-3"], "e-2 is not due yet")
            #expect(claimed.allSatisfy { $0.status == .running && $0.attempts == 1 })
            #expect(try await store.event(id: "e-1")?.status == .running)

            #expect(try await store.claim(limit: 10, now: now).map(\.event.id) == ["e-4"])
            #expect(try await store.claim(limit: 10, now: now).isEmpty, "running events are not claimed again")
            #expect(try await store.claim(limit: 10, now: now.addingTimeInterval(60)).map(\.event.id) == ["e-2"], "due at its time")
            #expect(try await store.claim(limit: 0, now: now).isEmpty)
            #expect(try await store.queueDepth() == 4)
        }
    }

    /// A later event about a subject waits while an earlier one is running or not done.
    @Test func claimKeepsTheOrderOfEachSubject() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            _ = try await store.ingest([
                makeStoreEvent("x-1", subject: "x"), makeStoreEvent("x-2", subject: "x"), makeStoreEvent("y-1", subject: "y"),
                makeStoreEvent("free-1"), makeStoreEvent("x-3", subject: "x"), makeStoreEvent("free-2"),
            ])

            #expect(try await store.claim(limit: 10, now: now).map(\.event.id) == ["x-1", "y-1", "free-1", "free-2"])
            #expect(try await store.claim(limit: 10, now: now).isEmpty, "x-2 waits while x-1 runs")

            // x-1 goes back to pending until later: x-2 still waits for it, though x-2 is due.
            try await store.finish(eventID: "x-1", result: .pendingUntil(now.addingTimeInterval(30)))
            #expect(try await store.claim(limit: 10, now: now).isEmpty)
            #expect(try await store.claim(limit: 10, now: now.addingTimeInterval(30)).map(\.event.id) == ["x-1"])

            try await store.finish(eventID: "x-1", result: .done)
            #expect(try await store.claim(limit: 10, now: now).map(\.event.id) == ["x-2"], "one per subject at a time")
            try await store.finish(eventID: "x-2", result: .done)
            #expect(try await store.claim(limit: 10, now: now).map(\.event.id) == ["x-3"])
        }
    }

    /// An event that waits only for an action deferred on purpose (an alert's group_wait) lets the later
    /// events about its subject go ahead; one with an action to retry holds them back, as before.
    @Test(arguments: [StepRecord.Status.deferred, .retry])
    func anEventWaitingOnlyForDeferredActionsDoesNotHoldItsSubjectBack(_ waiting: StepRecord.Status) async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            _ = try await store.ingest([makeStoreEvent("x-1", subject: "x"), makeStoreEvent("x-2", subject: "x")])
            #expect(try await store.claim(limit: 10, now: now).map(\.event.id) == ["x-1"])
            try await store.recordIntent(
                StepIntent(stepID: "x-1/r/0", eventID: "x-1", rule: "r", actionIndex: 0, plugin: "alert", action: "send", at: now)
            )
            let later = now.addingTimeInterval(60)
            _ = try await store.recordOutcome(
                StepOutcome(stepID: "x-1/r/0", status: waiting, detail: "waiting", nextAttemptAt: later, countsAsAttempt: false, at: now),
                raising: []
            )
            try await store.finish(eventID: "x-1", result: .pendingUntil(later))

            let next = try await store.claim(limit: 10, now: now).map(\.event.id)
            if waiting == .deferred {
                #expect(next == ["x-2"], "x-2 goes ahead of a deferred wait")
                #expect(try await store.claim(limit: 10, now: later).isEmpty, "but never beside it: x-2 is running")
                try await store.finish(eventID: "x-2", result: .done)
            } else {
                #expect(next.isEmpty, "x-2 waits behind a retry")
            }
            #expect(try await store.claim(limit: 10, now: later).map(\.event.id) == ["x-1"])
        }
    }

    /// A step waiting to retry behind a dead-lettered earlier action of its rule cannot run until that
    /// letter is retried (which makes the event pending itself): finishing the event done must not make it
    /// pending for such a step, or an already-due one would be claimed, skipped and finished forever.
    /// A step to retry that nothing blocks still keeps its event pending.
    @Test func aStepBlockedByADeadLetterDoesNotKeepItsEventPending() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            _ = try await store.ingest([makeStoreEvent("e-1"), makeStoreEvent("e-2")])
            #expect(try await store.claim(limit: 10, now: now).count == 2)
            func step(_ event: String, _ rule: String, _ index: Int, _ status: StepRecord.Status, due: Date? = nil) async throws {
                let id = "\(event)/\(rule)/\(index)"
                try await store.recordIntent(
                    StepIntent(stepID: id, eventID: event, rule: rule, actionIndex: index, plugin: "log", action: "write", at: now)
                )
                let outcome = StepOutcome(stepID: id, status: status, detail: "x", nextAttemptAt: due, countsAsAttempt: false, at: now)
                _ = try await store.recordOutcome(outcome, raising: [])
            }
            let past = now.addingTimeInterval(-10)
            try await step("e-1", "r", 0, .dead)
            try await step("e-1", "r", 1, .retry, due: past)
            try await store.finish(eventID: "e-1", result: .done)
            #expect(try await store.event(id: "e-1")?.status == .done)
            #expect(try await store.claim(limit: 10, now: now).isEmpty)

            try await step("e-2", "r", 0, .dead)
            try await step("e-2", "other", 1, .retry, due: past)
            try await store.finish(eventID: "e-2", result: .done)
            #expect(try await store.event(id: "e-2")?.status == .pending, "another rule's step is not blocked")
            #expect(try await store.claim(limit: 10, now: now).map(\.event.id) == ["e-2"])
        }
    }

    @Test func eventsWithoutASubjectAreNeverHeldBack() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            _ = try await store.ingest([makeStoreEvent("a"), makeStoreEvent("b"), makeStoreEvent("c")])
            try await store.finish(eventID: "a", result: .pendingUntil(now.addingTimeInterval(60)))
            #expect(try await store.claim(limit: 1, now: now).map(\.event.id) == ["b"])
            #expect(try await store.claim(limit: 1, now: now).map(\.event.id) == ["c"], "b running holds nothing back")
        }
    }

    /// Events no rule routes are finished in the claim's own write: done, the attempt counted, never
    /// returned; the routed ones are claimed as usual, and both limits hold. The subject order holds too:
    /// an unrouted event behind a running one about its subject waits like any other.
    @Test func aClaimFinishesUnroutedEventsInTheSameWrite() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            _ = try await store.ingest([
                makeStoreEvent("r-1", type: .exportCompleted), makeStoreEvent("u-1", type: .datasetCreated),
                makeStoreEvent("r-2", type: .exportCompleted), makeStoreEvent("u-2", type: .datasetCreated),
                makeStoreEvent("x-1", type: .exportCompleted, subject: "x"), makeStoreEvent("x-u", type: .datasetCreated, subject: "x"),
                makeStoreEvent("u-3", type: .datasetCreated),
            ])
            let before = store.committedWriteTransactions
            let routes: @Sendable (EventType) -> Bool = { $0 == .exportCompleted }

            let first = try await store.claim(limit: 1, now: now, finishingUnrouted: 1, routes: routes)
            #expect(first.routed.map(\.event.id) == ["r-1"])
            #expect(first.finishedUnrouted == 1)
            #expect(store.committedWriteTransactions - before == 1, "one write for both")
            let finished = try #require(try await store.event(id: "u-1"))
            #expect(finished.status == .done && finished.attempts == 1 && finished.finishedAt != nil)
            #expect(try await store.event(id: "u-2")?.status == .pending, "beyond the unrouted limit")

            let second = try await store.claim(limit: 10, now: now, finishingUnrouted: 10, routes: routes)
            #expect(second.routed.map(\.event.id) == ["r-2", "x-1"])
            #expect(second.finishedUnrouted == 2, "u-2 and u-3; x-u waits behind x-1")
            #expect(try await store.event(id: "x-u")?.status == .pending)

            try await store.finish(eventID: "x-1", result: .done)
            let third = try await store.claim(limit: 10, now: now, finishingUnrouted: 10, routes: routes)
            #expect(third.routed.isEmpty && third.finishedUnrouted == 1)
            #expect(try await store.event(id: "x-u")?.status == .done)
            #expect(try await store.queueDepth() == 2, "r-1 and r-2 still running")
        }
    }

    // MARK: - Journal

    @Test func theJournalRecordsIntentsAndOutcomes() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let t0 = file.clock.now
            _ = try await store.ingest(makeStoreEvent("e-1", keys: ["k-1"]))
            let intent = StepIntent(
                stepID: "e-1/welcome/0",
                eventID: "e-1",
                rule: "welcome",
                actionIndex: 0,
                plugin: "invite",
                action: "send",
                at: t0
            )
            try await store.recordIntent(intent)

            var step = try #require(try await store.steps(eventID: "e-1").first)
            #expect(step.status == .running)
            #expect(step.attempts == 0)
            #expect(step.intentAt == t0)
            #expect(step.rule == "welcome" && step.actionIndex == 0 && step.plugin == "invite" && step.action == "send")

            let retryAt = t0.addingTimeInterval(10)
            let raised = try await store.recordOutcome(
                StepOutcome(stepID: intent.stepID, status: .retry, detail: "HTTP 503", nextAttemptAt: retryAt, at: t0.addingTimeInterval(1)),
                raising: []
            )
            #expect(raised.isEmpty)
            step = try #require(try await store.steps(eventID: "e-1").first)
            #expect(step.status == .retry && step.attempts == 1 && step.nextAttemptAt == retryAt && step.detail == "HTTP 503")
            #expect(step.updatedAt == t0.addingTimeInterval(1))

            // The intent again: running, the attempts kept, no longer scheduled.
            try await store.recordIntent(
                StepIntent(stepID: intent.stepID, eventID: "e-1", rule: "welcome", actionIndex: 0, plugin: "invite", action: "send", at: retryAt)
            )
            step = try #require(try await store.steps(eventID: "e-1").first)
            #expect(step.status == .running && step.attempts == 1 && step.intentAt == retryAt && step.nextAttemptAt == nil)

            // A deferral is never an attempt, nor is a retry that says so.
            _ = try await store.recordOutcome(
                StepOutcome(stepID: intent.stepID, status: .deferred, detail: "group_wait", nextAttemptAt: retryAt, at: retryAt),
                raising: []
            )
            _ = try await store.recordOutcome(
                StepOutcome(stepID: intent.stepID, status: .retry, detail: "later", nextAttemptAt: retryAt, countsAsAttempt: false, at: retryAt),
                raising: []
            )
            _ = try await store.recordOutcome(StepOutcome(stepID: intent.stepID, status: .done, detail: "inv-1", at: retryAt), raising: [])
            step = try #require(try await store.steps(eventID: "e-1").first)
            #expect(step.status == .done && step.attempts == 1 && step.detail == "inv-1" && step.isFinal)

            // Steps come back in the order they began.
            for index in 1...3 {
                try await store.recordIntent(
                    StepIntent(
                        stepID: "e-1/alert/\(index)",
                        eventID: "e-1",
                        rule: "alert",
                        actionIndex: index,
                        plugin: "alert",
                        action: "send",
                        at: t0
                    )
                )
            }
            #expect(
                try await store.steps(eventID: "e-1").map(\.stepID) == ["e-1/welcome/0", "e-1/alert/1", "e-1/alert/2", "e-1/alert/3"]
            )
            #expect(try await store.steps(eventID: "other").isEmpty)
        }
    }

    @Test func theJournalRefusesUnknownEventsAndSteps() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            _ = try await store.ingest([makeStoreEvent("e-1"), makeStoreEvent("e-2")])

            let unknownEvent = await #expect(throws: SQLiteEventStoreError.self) {
                try await store.recordIntent(
                    StepIntent(stepID: "s-1", eventID: "missing", rule: "r", actionIndex: 0, plugin: "log", action: "write", at: now)
                )
            }
            #expect(unknownEvent?.code == .unknownEvent && unknownEvent?.eventID == "missing" && unknownEvent?.stepID == "s-1")

            let unknownStep = await #expect(throws: SQLiteEventStoreError.self) {
                try await store.recordOutcome(StepOutcome(stepID: "s-9", status: .done, detail: "", at: now), raising: [])
            }
            #expect(unknownStep?.code == .unknownStep && unknownStep?.stepID == "s-9")
            #expect(unknownStep.map { "\($0)" }?.contains("(step s-9)") == true)

            let running = await #expect(throws: SQLiteEventStoreError.self) {
                try await store.recordOutcome(StepOutcome(stepID: "s-1", status: .running, detail: "", at: now), raising: [])
            }
            #expect(running?.code == .invalidArgument)

            try await store.recordIntent(
                StepIntent(stepID: "s-1", eventID: "e-1", rule: "r", actionIndex: 0, plugin: "log", action: "write", at: now)
            )
            let conflict = await #expect(throws: SQLiteEventStoreError.self) {
                try await store.recordIntent(
                    StepIntent(stepID: "s-1", eventID: "e-2", rule: "r", actionIndex: 0, plugin: "log", action: "write", at: now)
                )
            }
            #expect(conflict?.code == .stepConflict)

            let unknownFinish = await #expect(throws: SQLiteEventStoreError.self) {
                try await store.finish(eventID: "missing", result: .done)
            }
            #expect(unknownFinish?.code == .unknownEvent && unknownFinish?.eventID == "missing")
        }
    }

    /// A dead step and its `bot.action.dead_lettered` event are written together, and only once.
    @Test func aDeadLetterRaisesItsEventInTheSameTransaction() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            _ = try await store.ingest(makeStoreEvent("e-1", keys: ["k-1"]))
            try await store.recordIntent(
                StepIntent(stepID: "s-1", eventID: "e-1", rule: "r", actionIndex: 0, plugin: "export", action: "start", at: now)
            )
            let deadLettered = makeStoreEvent("bot-1", type: .botActionDeadLettered, source: .bot, keys: ["bot.action.dead_lettered:s-1"])

            let dead = StepOutcome(stepID: "s-1", status: .dead, detail: "HTTP 400", at: now.addingTimeInterval(5))
            #expect(try await store.recordOutcome(dead, raising: [deadLettered]) == [.new(eventID: "bot-1")])
            #expect(try await store.event(id: "bot-1")?.event == asStored(deadLettered))
            let step = try #require(try await store.steps(eventID: "e-1").first)
            #expect(step.status == .dead && step.attempts == 1)

            // Recorded again (a retry of the call after a crash): the event is a duplicate, not a second one.
            var again = deadLettered
            again.id = "bot-2"
            #expect(try await store.recordOutcome(dead, raising: [again]) == [.duplicate(existingID: "bot-1", key: "bot.action.dead_lettered:s-1")])

            // Retried by hand and dead again: a new event under the same key, so that alerts hear of it.
            #expect(EventType.deadLetterKey(stepID: "s-1") == "bot.action.dead_lettered:s-1")
            #expect(try await store.retryDeadLetter(stepID: "s-1", now: now))
            var third = deadLettered
            third.id = "bot-3"
            #expect(try await store.recordOutcome(dead, raising: [third]) == [.new(eventID: "bot-3")])
            #expect(try await store.event(id: "bot-1") != nil, "the first dead letter's event stays")

            // A raised event that cannot be stored undoes the step's outcome too.
            try await store.recordIntent(
                StepIntent(stepID: "s-2", eventID: "e-1", rule: "r", actionIndex: 1, plugin: "export", action: "start", at: now)
            )
            await #expect(throws: SQLiteEventStoreError.self) {
                _ = try await store.recordOutcome(StepOutcome(stepID: "s-2", status: .dead, detail: "x", at: now), raising: [makeStoreEvent("bot-1")])
            }
            #expect(try await store.steps(eventID: "e-1").last?.status == .running)
        }
    }

    @Test func deadLettersAreListedNewestFirstAndCanBeRetried() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            _ = try await store.ingest([makeStoreEvent("e-1", subject: "x"), makeStoreEvent("e-2")])
            for (index, eventID) in ["e-1", "e-2"].enumerated() {
                let stepID = "\(eventID)/r/0"
                try await store.recordIntent(
                    StepIntent(stepID: stepID, eventID: eventID, rule: "r", actionIndex: 0, plugin: "export", action: "start", at: now)
                )
                let deadAt = now.addingTimeInterval(Double(index))
                _ = try await store.recordOutcome(StepOutcome(stepID: stepID, status: .dead, detail: "gone", at: deadAt), raising: [])
            }
            _ = try await store.claim(limit: 10, now: now)
            try await store.finish(eventID: "e-1", result: .done)
            try await store.finish(eventID: "e-2", result: .done)

            #expect(try await store.deadLetters(limit: 10).map(\.stepID) == ["e-2/r/0", "e-1/r/0"])
            #expect(try await store.deadLetters(limit: 1).map(\.stepID) == ["e-2/r/0"])

            let later = now.addingTimeInterval(100)
            #expect(try await store.retryDeadLetter(stepID: "e-1/r/0", now: later))
            let step = try #require(try await store.steps(eventID: "e-1").first)
            #expect(step.status == .retry && step.attempts == 0 && step.nextAttemptAt == later)
            let event = try #require(try await store.event(id: "e-1"))
            #expect(event.status == .pending && event.nextAttemptAt == later && event.finishedAt == nil)
            #expect(try await store.deadLetters(limit: 10).map(\.stepID) == ["e-2/r/0"])
            #expect(try await store.claim(limit: 10, now: later).map(\.event.id) == ["e-1"])

            #expect(try await store.retryDeadLetter(stepID: "e-1/r/0", now: later) == false, "no longer dead")
            #expect(try await store.retryDeadLetter(stepID: "missing", now: later) == false)
        }
    }

    /// `dead-letters retry` while the event runs again (another rule's step): the run read its steps
    /// before, so it finishes the event as done; the store keeps it pending until the step is due.
    @Test func aDeadLetterRetriedWhileItsEventRunsIsNotLost() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            _ = try await store.ingest(makeStoreEvent("e-1"))
            try await store.recordIntent(
                StepIntent(stepID: "e-1/r/0", eventID: "e-1", rule: "r", actionIndex: 0, plugin: "export", action: "start", at: now)
            )
            _ = try await store.recordOutcome(StepOutcome(stepID: "e-1/r/0", status: .dead, detail: "gone", at: now), raising: [])
            #expect(try await store.claim(limit: 10, now: now).map(\.event.id) == ["e-1"])

            let later = now.addingTimeInterval(100)
            #expect(try await store.retryDeadLetter(stepID: "e-1/r/0", now: later))
            #expect(try await store.event(id: "e-1")?.status == .running, "left to its run")
            try await store.finish(eventID: "e-1", result: .done)
            let event = try #require(try await store.event(id: "e-1"))
            #expect(event.status == .pending && event.nextAttemptAt == later && event.finishedAt == nil)
            #expect(try await store.claim(limit: 10, now: later).map(\.event.id) == ["e-1"])
        }
    }

    // MARK: - Crash and restart

    /// The process dies after claiming an event and recording an intent: the next process finds the event
    /// running and the step begun, puts the event back, and runs it again.
    @Test func aCrashLeavesWorkThatTheNextProcessResumes() async throws {
        try await StoreFile.with { file in
            let now = file.clock.now
            do {
                let store = try await file.open()
                _ = try await store.ingest([makeStoreEvent("e-1", subject: "x", keys: ["k-1"]), makeStoreEvent("e-2", subject: "x")])
                #expect(try await store.claim(limit: 10, now: now).map(\.event.id) == ["e-1"])
                try await store.recordIntent(
                    StepIntent(stepID: "s-1", eventID: "e-1", rule: "r", actionIndex: 0, plugin: "invite", action: "send", at: now)
                )
                try store.close()
            }

            let store = try await file.open()
            #expect(try await store.event(id: "e-1")?.status == .running)
            #expect(try await store.claim(limit: 10, now: now).isEmpty, "still running until released")
            #expect(try await store.releaseRunning() == 1)
            #expect(try await store.releaseRunning() == 0)

            let step = try #require(try await store.steps(eventID: "e-1").first)
            #expect(step.status == .running && step.intentAt == now && !step.isFinal, "an intent without an outcome")

            let claimed = try #require(try await store.claim(limit: 10, now: now).first)
            #expect(claimed.event.id == "e-1" && claimed.attempts == 2)
            #expect(try await store.ingest(makeStoreEvent("e-3", keys: ["k-1"])) == .duplicate(existingID: "e-1", key: "k-1"))
        }
    }

    @Test func everythingSurvivesANewInstance() async throws {
        try await StoreFile.with { file in
            let now = file.clock.now
            let events = [makeStoreEvent("e-1", subject: "x", keys: ["k-1"], data: ["export": ["uid": "x"]]), makeStoreEvent("e-2")]
            var before: [StoredEvent] = []
            var stepsBefore: [StepRecord] = []
            do {
                let store = try await file.open()
                _ = try await store.ingest(events, snapshots: ["exports": ["x": "exported"]])
                _ = try await store.claim(limit: 1, now: now)
                try await store.recordIntent(
                    StepIntent(stepID: "s-1", eventID: "e-1", rule: "r", actionIndex: 0, plugin: "log", action: "write", at: now)
                )
                _ = try await store.recordOutcome(StepOutcome(stepID: "s-1", status: .done, detail: "ok", at: now), raising: [])
                try await store.finish(eventID: "e-1", result: .done)
                try await store.setPluginState(plugin: "alert", key: "groups", value: ["g-1": ["count": 2]])
                before = try await store.recentEvents(limit: 10, since: nil)
                stepsBefore = try await store.steps(eventID: "e-1")
                try store.close()
            }

            let store = try await file.open()
            #expect(try await store.recentEvents(limit: 10, since: nil) == before)
            #expect(before.map(\.event) == events.reversed().map(asStored))
            #expect(try await store.steps(eventID: "e-1") == stepsBefore)
            #expect(try await store.snapshot("exports") == ["x": "exported"])
            #expect(try await store.pluginState(plugin: "alert", key: "groups") == ["g-1": ["count": 2]])
            #expect(try await store.ingest(makeStoreEvent("e-3", keys: ["k-1"])) == .duplicate(existingID: "e-1", key: "k-1"))
            #expect(try await store.queueDepth() == 1)
        }
    }

    @Test func aClosedStoreRefusesWork() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            try store.close()
            await #expect(throws: (any Error).self) { _ = try await store.ingest(makeStoreEvent("e-1")) }
            await #expect(throws: (any Error).self) { _ = try await store.queueDepth() }
        }
    }

    /// Another application's database (a typo in `store.sqlite`) is refused before anything is written
    /// to it: no schema, no write-ahead log.
    @Test func anotherApplicationsDatabaseIsRefusedAndLeftAsItIs() async throws {
        try await StoreFile.with { file in
            try FileManager.default.createDirectory(atPath: (file.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let foreign = try DatabaseQueue(path: file.path)
            try await foreign.write { db in try db.execute(sql: "CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('dana')") }
            try foreign.close()
            let before = try Data(contentsOf: URL(fileURLWithPath: file.path))
            for readOnly in [false, true] {
                let error = await #expect(throws: SQLiteEventStoreError.self) { _ = try await file.open { $0.readOnly = readOnly } }
                #expect(error?.code == .notAStore)
                #expect(
                    error?.message.hasPrefix("\(file.path) is not an avala-bot store: it is another database (tables users)") == true,
                    "\(String(describing: error))"
                )
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: file.path)) == before)
            #expect(!FileManager.default.fileExists(atPath: file.path + "-wal"))
        }
    }

    /// The check waits for a lock held a moment (a bot closing the store checkpoints it), as the store
    /// itself does, instead of failing with "database is locked".
    @Test func theForeignDatabaseCheckWaitsForALockHeldAMoment() async throws {
        try await StoreFile.with { file in
            try FileManager.default.createDirectory(atPath: (file.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let foreign = try DatabaseQueue(path: file.path)
            try await foreign.write { db in try db.execute(sql: "CREATE TABLE users (name TEXT)") }
            let locked = AsyncStream<Void>.makeStream()
            let holder = Task {
                try foreign.inDatabase { db in
                    try db.execute(sql: "BEGIN EXCLUSIVE")
                    locked.continuation.yield()
                    Thread.sleep(forTimeInterval: 0.3)
                    try db.execute(sql: "COMMIT")
                }
            }
            for await _ in locked.stream { break }
            let error = #expect(throws: SQLiteEventStoreError.self) { try SQLiteEventStore.refuseForeignDatabase(at: file.path) }
            #expect(error?.code == .notAStore, "\(String(describing: error))")
            try await holder.value
            try foreign.close()
        }
    }

    /// A link to a store not made yet makes the store at the link's target, as SQLite itself would.
    @Test func aLinkToAStoreNotMadeYetMakesIt() async throws {
        try await StoreFile.with { file in
            let directory = (file.path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let link = directory + "/link.sqlite"
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file.path)
            let logger = Logger(label: "store-tests") { _ in SwiftLogNoOpLogHandler() }
            let store = try SQLiteEventStore(path: link, logger: logger)
            try await store.migrate()
            _ = try await store.ingest(makeStoreEvent("e-1"))
            #expect(FileManager.default.fileExists(atPath: file.path))
            #expect(SQLiteEventStore.fileSize(file.path) > 0)
        }
    }

    /// Opened read-only (the inspection commands that only read), the store reads what is there and
    /// refuses every write; there is nothing to open where no store is.
    @Test func aReadOnlyStoreReadsAndNeverWrites() async throws {
        try await StoreFile.with { file in
            await #expect(throws: SQLiteEventStoreError.self) { _ = try await file.open { $0.readOnly = true } }
            #expect(!FileManager.default.fileExists(atPath: file.path), "a read-only open creates no store")

            let writer = try await file.open()
            _ = try await writer.ingest(makeStoreEvent("e-1", keys: ["k-1"]))
            let reader = try await file.open { $0.readOnly = true }
            #expect(try await reader.recentEvents(limit: 10, since: nil).map(\.event.id) == ["e-1"])
            await #expect(throws: (any Error).self) { _ = try await reader.ingest(makeStoreEvent("e-2")) }
            #expect(try await writer.recentEvents(limit: 10, since: nil).map(\.event.id) == ["e-1"])
        }
    }

    // MARK: - Reading

    @Test func recentEventsAreNewestFirst() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let start = file.clock.now
            for id in ["e-1", "e-2", "e-3"] {
                _ = try await store.ingest(makeStoreEvent(id))
                file.clock.advance(by: 10)
            }
            _ = try await store.ingest([makeStoreEvent("e-4"), makeStoreEvent("e-5")])

            #expect(try await store.recentEvents(limit: 10, since: nil).map(\.event.id) == ["e-5", "e-4", "e-3", "e-2", "e-1"])
            #expect(try await store.recentEvents(limit: 2, since: nil).map(\.event.id) == ["e-5", "e-4"])
            #expect(try await store.recentEvents(limit: 10, since: start.addingTimeInterval(10)).map(\.event.id) == ["e-5", "e-4", "e-3", "e-2"])
            #expect(try await store.recentEvents(limit: 10, since: start.addingTimeInterval(10)).last?.storedAt == start.addingTimeInterval(10))
        }
    }

    @Test func queueDepthCountsPendingAndRunning() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            #expect(try await store.queueDepth() == 0)
            _ = try await store.ingest((1...3).map { makeStoreEvent("e-\($0)") })
            _ = try await store.claim(limit: 2, now: file.clock.now)
            #expect(try await store.queueDepth() == 3)
            try await store.finish(eventID: "e-1", result: .done)
            #expect(try await store.queueDepth() == 2)
        }
    }

    // MARK: - Plugin state and pruning

    @Test func pluginStateIsKeptPerPluginAndNilRemovesIt() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            #expect(try await store.pluginState(plugin: "alert", key: "groups") == nil)
            try await store.setPluginState(plugin: "alert", key: "groups", value: ["g": 1])
            try await store.setPluginState(plugin: "invite", key: "groups", value: "other")
            #expect(try await store.pluginState(plugin: "alert", key: "groups") == ["g": 1])
            #expect(try await store.pluginState(plugin: "invite", key: "groups") == "other")

            try await store.setPluginState(plugin: "alert", key: "groups", value: ["g": 2])
            #expect(try await store.pluginState(plugin: "alert", key: "groups") == ["g": 2])
            try await store.setPluginState(plugin: "alert", key: "groups", value: .null)
            #expect(try await store.pluginState(plugin: "alert", key: "groups") == .null, "null is a value")

            try await store.setPluginState(plugin: "alert", key: "groups", value: nil)
            #expect(try await store.pluginState(plugin: "alert", key: "groups") == nil)
            #expect(try await store.pluginState(plugin: "invite", key: "groups") == "other")
        }
    }

    @Test func pruneRemovesOldDoneEventsAndKeepsTheKeysOfUnfinishedOnes() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            _ = try await store.ingest([
                makeStoreEvent("old-done", keys: ["k-old"]), makeStoreEvent("pending", keys: ["k-pending"]),
                makeStoreEvent("running", keys: ["k-running"]), makeStoreEvent("new-done", keys: ["k-new"]),
            ])
            try await store.recordIntent(
                StepIntent(stepID: "s-old", eventID: "old-done", rule: "r", actionIndex: 0, plugin: "log", action: "write", at: now)
            )
            _ = try await store.recordOutcome(StepOutcome(stepID: "s-old", status: .done, detail: "x", at: now), raising: [])
            _ = try await store.claim(limit: 10, now: now)
            try await store.finish(eventID: "old-done", result: .done)
            try await store.finish(eventID: "pending", result: .pendingUntil(now.addingTimeInterval(3600)))
            file.clock.advance(by: 100)
            try await store.finish(eventID: "new-done", result: .done)

            // Events done before now + 50; every key is old enough to go, but unfinished events keep theirs.
            let result = try await store.prune(doneBefore: now.addingTimeInterval(50), keysBefore: now.addingTimeInterval(1000))
            #expect(result == PruneResult(events: 1, keys: 2))
            #expect(try await store.event(id: "old-done") == nil)
            #expect(try await store.steps(eventID: "old-done").isEmpty)
            #expect(try await store.event(id: "new-done")?.status == .done)
            #expect(try await store.event(id: "pending")?.status == .pending)

            #expect(try await store.ingest(makeStoreEvent("a", keys: ["k-pending"])) == .duplicate(existingID: "pending", key: "k-pending"))
            #expect(try await store.ingest(makeStoreEvent("b", keys: ["k-running"])) == .duplicate(existingID: "running", key: "k-running"))
            #expect(try await store.ingest(makeStoreEvent("c", keys: ["k-old"])).isNew)
            #expect(try await store.ingest(makeStoreEvent("d", keys: ["k-new"])).isNew, "the key went though its event stays")

            let none = try await store.prune(doneBefore: now, keysBefore: now)
            #expect(none == PruneResult(events: 0, keys: 0))
        }
    }

    /// The file does not keep the size of its largest backlog: pruning gives the freed pages back to the
    /// disk, in slices (more than one here), and the store still works after it.
    @Test func pruningGivesTheFreedSpaceBackToTheDisk() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            func pragma(_ name: String) async throws -> Int { try await store.pool.read { try Int.fetchOne($0, sql: "PRAGMA \(name)") ?? -1 } }
            #expect(try await pragma("auto_vacuum") == 2, "incremental")
            let blob = JSON.string(String(repeating: "x", count: 4_000))
            _ = try await store.ingest((0..<3_000).map { makeStoreEvent("e-\($0)", data: ["blob": blob]) })
            let claimed = try await store.claim(limit: 0, now: file.clock.now, finishingUnrouted: 3_000) { _ in false }
            #expect(claimed.finishedUnrouted == 3_000)
            let full = try await pragma("page_count")
            #expect(full > SQLiteEventStore.pagesPerReclaim, "more than one slice to give back")

            file.clock.advance(by: 10)
            let result = try await store.prune(doneBefore: file.clock.now, keysBefore: file.clock.now)
            #expect(result.events == 3_000)
            #expect(try await pragma("freelist_count") == 0)
            let after = try await pragma("page_count")
            #expect(after < full / 10, "\(full) pages before, \(after) after")
            #expect(file.logText.contains("Event store gave freed space back to the disk"))
            // The burst and the pass went through the log (about 14 MB): it is cut back, so the space is not
            // kept there instead of in the file.
            #expect(try await store.ingest(makeStoreEvent("later")).isNew)
            let walAfter = try #require(try FileManager.default.attributesOfItem(atPath: file.path + "-wal")[.size] as? Int)
            #expect(walAfter <= SQLiteEventStore.walSizeLimit, "\(walAfter) bytes of log")
        }
    }

    /// A store made before incremental auto-vacuum cannot give freed space back: opening it says so once,
    /// at info, with the file and the command that converts it; a store this version made says nothing.
    @Test func anOlderStoreWithoutIncrementalAutoVacuumIsNamedWhenOpened() async throws {
        let advice = "created without incremental auto-vacuum"
        try await StoreFile.with { file in
            try FileManager.default.createDirectory(atPath: (file.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let old = try DatabaseQueue(path: file.path)
            try SQLiteEventStore.migrator.migrate(old, upTo: "v4: events waiting only on deferred actions")
            try old.close()

            let store = try await file.open()
            #expect(try await store.pool.read { try Int.fetchOne($0, sql: "PRAGMA auto_vacuum") } == 0, "opening does not convert it")
            let said = file.logs.entries.filter { $0.message.description.contains(advice) }
            #expect(said.count == 1)
            #expect(said.first?.level == .info)
            #expect(said.first?.message.description.contains("sqlite3 \(file.path) 'PRAGMA auto_vacuum=INCREMENTAL; VACUUM;'") == true)
            #expect(try await store.reclaimFreePages() == 0)
        }
        try await StoreFile.with { file in
            _ = try await file.open()
            #expect(!file.logText.contains(advice))
        }
    }

    /// The dead-letter list is where failures wait for an operator: retention never empties it. A dead
    /// letter's event stays until the step is retried (and the event done again) or discarded.
    @Test func pruningKeepsDeadLettersUntilTheyAreRetriedOrDiscarded() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            _ = try await store.ingest([makeStoreEvent("kept", keys: ["k-1"]), makeStoreEvent("dropped", keys: ["k-2"])])
            for (step, event) in [("s-dead", "kept"), ("s-gone", "dropped")] {
                try await store.recordIntent(
                    StepIntent(stepID: step, eventID: event, rule: "r", actionIndex: 0, plugin: "log", action: "write", at: now)
                )
                _ = try await store.recordOutcome(StepOutcome(stepID: step, status: .dead, detail: "HTTP 500 at /x", at: now), raising: [])
            }
            _ = try await store.claim(limit: 10, now: now)
            try await store.finish(eventID: "kept", result: .done)
            try await store.finish(eventID: "dropped", result: .done)

            let later = now.addingTimeInterval(30 * 86_400)
            #expect(try await store.prune(doneBefore: later, keysBefore: now) == PruneResult(events: 0, keys: 0))
            #expect(try await store.deadLetters(limit: 10).map(\.stepID).sorted() == ["s-dead", "s-gone"])
            #expect(try await store.deadLetterCount() == 2)
            #expect(try await store.event(id: "kept")?.status == .done)

            #expect(try await store.discardDeadLetter(stepID: "s-gone", now: later))
            #expect(try await store.discardDeadLetter(stepID: "s-gone", now: later) == false, "no longer dead")
            #expect(try await store.discardDeadLetter(stepID: "missing", now: later) == false)
            let discarded = try #require(try await store.steps(eventID: "dropped").first)
            #expect(discarded.status == .skipped)
            #expect(discarded.detail == "discarded from the dead letters; it had failed: HTTP 500 at /x")
            #expect(try await store.event(id: "dropped")?.status == .done, "discarding does not run the event again")
            #expect(try await store.deadLetterCount() == 1)

            #expect(abs((discarded.discardedAt ?? .distantPast).timeIntervalSince(later)) < 0.001)
            // Retention counts from the discard: the reason stays readable for as long as any event's.
            #expect(try await store.prune(doneBefore: later, keysBefore: now) == PruneResult(events: 0, keys: 0))
            let afterRetention = later.addingTimeInterval(7 * 86_400)
            #expect(try await store.prune(doneBefore: afterRetention, keysBefore: now) == PruneResult(events: 1, keys: 0))
            #expect(try await store.event(id: "dropped") == nil)
            #expect(try await store.steps(eventID: "dropped").isEmpty)
            #expect(try await store.deadLetters(limit: 10).map(\.stepID) == ["s-dead"])
            #expect(try await store.steps(eventID: "kept").count == 1)
        }
    }

    /// A key pruned before its event is seen again cannot resurrect the event: a new one takes its place.
    @Test func keysOutliveTheirEventsUntilTheirOwnRetention() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            _ = try await store.ingest(makeStoreEvent("e-1", keys: ["k-1"]))
            _ = try await store.claim(limit: 1, now: now)
            try await store.finish(eventID: "e-1", result: .done)
            let result = try await store.prune(doneBefore: now.addingTimeInterval(1), keysBefore: now)
            #expect(result == PruneResult(events: 1, keys: 0))
            #expect(try await store.ingest(makeStoreEvent("e-2", keys: ["k-1"])) == .duplicate(existingID: "e-1", key: "k-1"))
        }
    }

    // MARK: - Privacy

    /// Event bodies may hold email addresses: no error and no log line of the store carries one.
    @Test func errorsAndLogsNeverCarryEventBodies() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let now = file.clock.now
            let email = "dave@acme.ai"
            let event = makeStoreEvent("e-1", type: .datasetCreated, keys: ["k-1"], data: ["member": ["email": .string(email)]])
            _ = try await store.ingest(event)
            _ = try await store.ingest(event)
            _ = try await store.claim(limit: 10, now: now)
            _ = try await store.releaseRunning()
            _ = try await store.prune(doneBefore: now, keysBefore: now)
            var errors: [any Error] = []
            let body: JSON = ["member": ["email": .string(email)]]
            do { _ = try await store.ingest(makeStoreEvent("e-1", data: body)) } catch { errors.append(error) }
            do {
                let unencodable: JSON = ["member": ["email": .string(email)], "n": .number(.infinity)]
                _ = try await store.ingest(makeStoreEvent("e-2", keys: ["k-2"], data: unencodable))
            } catch { errors.append(error) }
            // A row whose JSON no longer parses: the error must name the event, not quote the text.
            try await store.pool.write { db in
                try db.execute(sql: "UPDATE events SET data = ? WHERE id = 'e-1'", arguments: ["{\"member\": \"\(email)"])
            }
            do { _ = try await store.event(id: "e-1") } catch { errors.append(error) }

            #expect(errors.count == 3)
            for error in errors {
                #expect(!"\(error)".contains(email), "\(error)")
                #expect(!String(reflecting: error).contains(email))
            }
            #expect(!file.logText.isEmpty)
            #expect(!file.logText.contains(email))
        }
    }
}
