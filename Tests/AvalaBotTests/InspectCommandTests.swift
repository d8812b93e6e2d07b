import AlertPlugin
import ArgumentParser
import BotEngine
import BotKit
import Foundation
import GRDB
import TestSupport
import Testing

@testable import AvalaBot

/// `events list | show | replay`, `dead-letters list | retry` and `silences` against a real store file
/// that the engine filled, through the commands' own argument parsing.
@Suite struct InspectCommandTests {
    /// - Parameter capture: also holds, after the run, what the command wrote to standard error.
    static func run(_ arguments: [String], capture: Console.Capture = Console.Capture()) async throws -> String {
        var command = try AvalaBotCommand.parseAsRoot(arguments)
        try await Console.$capture.withValue(capture) {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        }
        return capture.text
    }

    /// The message a user would see for a command that fails, or "" when it did not fail.
    static func failure(_ arguments: [String]) async -> String {
        do {
            _ = try await run(arguments)
            return ""
        } catch {
            return AvalaBotCommand.message(for: error)
        }
    }

    static func event(_ uid: String, type: EventType = .exportCompleted) -> Event {
        Event(
            type: type,
            source: .webhook,
            origin: "avala",
            subject: .init(kind: "export", uid: uid),
            data: ["export": ["uid": .string(uid), "format": "coco"]],
            keys: ["\(type.rawValue):\(uid)"]
        )
    }

    @Test func eventsCanBeListedShownAndReplayed() async throws {
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: note
                    on: export.completed
                    do:
                      - log: { message: "export {{export.uid}}" }
                """
        )
        defer { harness.removeFiles() }
        let first = try await harness.store.ingest(Self.event("e-1"))
        _ = try await harness.store.ingest(Self.event("e-2", type: .exportFailed))
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until { try await harness.store.recentEvents(limit: 10, since: nil).allSatisfy { $0.status == .done } }
        }
        guard case .new(let id) = first else { throw InspectError("not stored") }

        let list = try await Self.run(["events", "list", "--store", harness.path])
        #expect(list.split(separator: "\n").first?.hasPrefix("ID") == true)
        #expect(list.contains("export.completed") && list.contains("export.failed"))
        // A type no known event has, listing nothing, is said on standard error (a typo, most likely); a
        // known one that matches nothing now is not.
        let typo = Console.Capture()
        #expect(try await Self.run(["events", "list", "--store", harness.path, "--type", "exprt.*", "--json"], capture: typo).isEmpty)
        #expect(typo.notes.hasPrefix("(--type exprt.* matches none of the types avala-bot knows: export.completed, export.failed, "), "\(typo.notes)")
        let quiet = Console.Capture()
        _ = try await Self.run(["events", "list", "--store", harness.path, "--type", "member.*"], capture: quiet)
        #expect(quiet.notes.isEmpty, "\(quiet.notes)")
        let filtered = try await Self.run(["events", "list", "--store", harness.path, "--type", "export.f*", "--json"])
        #expect(filtered.split(separator: "\n").count == 1)
        #expect(filtered.contains(#""type":"export.failed""#))

        let shown = try await Self.run(["events", "show", "--store", harness.path, id])
        #expect(shown.contains(#""rule" : "note""#))
        #expect(shown.contains(#""detail" : "logged: export e-1""#))
        #expect(shown.contains(#""keys" : ["#))

        let replayed = try await Self.run(["events", "replay", "--store", harness.path, id])
        #expect(replayed.hasPrefix("replayed \(id) as "))
        let copies = try await harness.store.recentEvents(limit: 10, since: nil).filter { $0.event.replayOf == id }
        #expect(copies.count == 1)
        #expect(copies.first?.status == .pending)
        // Listed, the copy says what it replays: it keeps its original's source and origin.
        let relisted = try await Self.run(["events", "list", "--store", harness.path])
        #expect(relisted.contains("webhook avala (replay of \(id))"), "\(relisted)")
        #expect(await Self.failure(["events", "replay", "--store", harness.path]) == "name event ids, or --since DURATION")
        #expect(await Self.failure(["events", "show", "--store", harness.path, "nope"]) == "no event nope in the store; `events list` shows them")
        #expect(await Self.failure(["events", "list", "--store", "/nonexistent/x.sqlite"]).hasPrefix("no store at /nonexistent/x.sqlite"))
    }

    /// Event data comes from outside: a newline or a terminal escape in it must not break the table's
    /// rows or drive the terminal that shows them.
    /// An event a bot was handling when it was killed stays `running` in the store: with no bot holding
    /// the store, the commands say it was interrupted; with one, it is running.
    @Test func aRunningEventInAStoreNoBotHoldsIsShownInterrupted() async throws {
        let harness = try await EngineHarness(rules: "rules: []")
        defer { harness.removeFiles() }
        _ = try await harness.store.ingest(Self.event("e-1"))
        let claimed = try #require(try await harness.store.claim(limit: 1, now: Date()).first)
        let list = try await Self.run(["events", "list", "--store", harness.path])
        #expect(list.contains(" interrupted "), "\(list)")
        #expect(list.contains(InspectFormat.interruptedNote), "\(list)")
        let json = try Self.objects(try await Self.run(["events", "list", "--json", "--store", harness.path]))
        #expect(json.first?["status"] == "running")
        #expect(json.first?["interrupted"] == true)
        let shown = try await Self.run(["events", "show", claimed.event.id, "--json", "--store", harness.path])
        #expect(try Self.objects(shown).first?["interrupted"] == true)

        let lock = try StoreLock(storePath: harness.path)
        defer { lock.release() }
        let running = try await Self.run(["events", "list", "--store", harness.path])
        #expect(running.contains(" running "), "\(running)")
        #expect(!running.contains("interrupted"), "\(running)")
        let runningJSON = try Self.objects(try await Self.run(["events", "list", "--json", "--store", harness.path]))
        #expect(runningJSON.first?["interrupted"] == nil)
    }

    /// A replay or a retry in a store no bot holds waits for the next start: said on standard error, so
    /// that it is not taken for done; with a bot holding the store, nothing is added.
    @Test func queuingWorkSaysWhenNoBotWillRunItYet() async throws {
        let harness = try await EngineHarness(rules: "rules: []")
        defer { harness.removeFiles() }
        guard case .new(let id) = try await harness.store.ingest(Self.event("e-12")) else { throw InspectError("not stored") }
        let idle = Console.Capture()
        let replayed = try await Self.run(["events", "replay", "--store", harness.path, "--json", id], capture: idle)
        #expect(try Self.objects(replayed).count == 1, "standard output stays the answer")
        #expect(idle.notes == "(no bot runs on \(harness.path) now: what was queued runs when one starts)", "\(idle.notes)")
        let nothing = Console.Capture()
        _ = try await Self.run(["dead-letters", "retry", "--store", harness.path, "--all"], capture: nothing)
        #expect(nothing.notes.isEmpty, "nothing was queued: \(nothing.notes)")

        let lock = try StoreLock(storePath: harness.path)
        defer { lock.release() }
        let running = Console.Capture()
        _ = try await Self.run(["events", "replay", "--store", harness.path, id], capture: running)
        #expect(running.notes.isEmpty, "\(running.notes)")
    }

    @Test func tablesEscapeControlCharactersFromEventData() async throws {
        let harness = try await EngineHarness(rules: "rules: []")
        defer { harness.removeFiles() }
        _ = try await harness.store.ingest(Self.event("e-\u{1b}[31mred\nforged-row"))
        let list = try await Self.run(["events", "list", "--store", harness.path])
        #expect(!list.contains("\u{1b}"), "\(list)")
        #expect(list.contains(#"export e-\u{1b}[31mred\nforged-row"#), "\(list)")
        #expect(list.split(separator: "\n").count == 2, "the header and one row")
    }

    @Test func deadLettersCanBeListedAndRetried() async throws {
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: doomed
                    on: export.completed
                    do:
                      - record: { id: "dl-\(UUID().uuidString)", mode: permanent }
                """
        )
        defer { harness.removeFiles() }
        _ = try await harness.store.ingest(Self.event("e-9"))
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until { try await harness.store.deadLetters(limit: 5).count == 1 }
        }
        let step = try #require(try await harness.store.deadLetters(limit: 5).first)
        let list = try await Self.run(["dead-letters", "list", "--store", harness.path])
        #expect(list.contains(step.stepID) && list.contains("record.call") && list.contains("cannot ever work"))
        // `attempts` counts failed runs (0 for an action done on its first try): the column says so.
        let header = list.split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.contains("ACTION") && header.contains("FAILED RUNS") && !header.contains("ATTEMPTS"), "\(list)")
        #expect(list.contains("record.call  1 "), "one failed run: \(list)")
        // Named twice, it is queued once, and the command succeeds.
        let queued = Console.Capture()
        let retried = try await Self.run(["dead-letters", "retry", "--store", harness.path, step.stepID, step.stepID], capture: queued)
        #expect(retried == "queued \(step.stepID) again")
        #expect(queued.notes == "(no bot runs on \(harness.path) now: what was queued runs when one starts)", "\(queued.notes)")
        #expect(try await harness.store.deadLetters(limit: 5).isEmpty)
        #expect(await Self.failure(["dead-letters", "retry", "--store", harness.path, "nope"]).hasPrefix("not dead-lettered (or unknown): nope"))
    }

    /// Retried through the config whose rule is gone, a dead letter would only be dead-lettered again: it
    /// is queued all the same (a bot may still run an older config), with a warning that names the rule.
    @Test func retryingAStepWhoseRuleLeftTheConfigWarns() async throws {
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: doomed
                    on: export.completed
                    do:
                      - record: { id: "dl-\(UUID().uuidString)", mode: permanent }
                  - name: kept
                    on: export.failed
                    do:
                      - record: { id: "dl-kept-\(UUID().uuidString)", mode: permanent }
                """
        )
        defer { harness.removeFiles() }
        _ = try await harness.store.ingest([Self.event("e-13"), Self.event("e-14", type: .exportFailed)])
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until { try await harness.store.deadLetters(limit: 5).count == 2 }
        }
        let gone = try #require(try await harness.store.deadLetters(limit: 5).first { $0.rule == "doomed" })
        let config = harness.path + ".yaml"
        defer { try? FileManager.default.removeItem(atPath: config) }
        try """
        store: { sqlite: "\(harness.path)" }
        rules:
          - { name: kept, on: export.failed, do: [{ log: { message: "x" } }] }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let capture = Console.Capture()
        let retried = try await Self.run(["dead-letters", "retry", "--config", config, "--all"], capture: capture)
        #expect(retried.split(separator: "\n").count == 2, "both are queued: \(retried)")
        #expect(
            capture.notes.hasPrefix(
                "warning: \(gone.stepID): rule 'doomed' is no longer in \(config), so the bot dead-letters it again; `dead-letters discard` gives up on it\n"
            ),
            "\(capture.notes)"
        )
        #expect(!capture.notes.contains("'kept'"), "\(capture.notes)")
        #expect(try await harness.store.deadLetterCount() == 0)
    }

    /// An event's id given where a step's is asked for (the first column of `events list`, or a step id cut
    /// at its slash) is said to be one, with the step ids of its dead letters; nothing is retried.
    @Test func anEventIDGivenForAStepNamesItsDeadLetters() async throws {
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: doomed
                    on: export.completed
                    do:
                      - record: { id: "dl-\(UUID().uuidString)", mode: permanent }
                """
        )
        defer { harness.removeFiles() }
        guard case .new(let id) = try await harness.store.ingest(Self.event("e-10")) else { throw InspectError("not stored") }
        guard case .new(let quiet) = try await harness.store.ingest(Self.event("e-11", type: .exportFailed)) else {
            throw InspectError("not stored")
        }
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until { try await harness.store.deadLetters(limit: 5).count == 1 }
        }
        let step = try #require(try await harness.store.deadLetters(limit: 5).first)
        #expect(
            await Self.failure(["dead-letters", "retry", "--store", harness.path, id])
                == "not dead-lettered (or unknown): \(id) (an event; its dead-lettered step: \(step.stepID)); `dead-letters list` shows them"
        )
        #expect(
            await Self.failure(["dead-letters", "discard", "--store", harness.path, quiet])
                == "not dead-lettered (or unknown): \(quiet) (an event, none of whose actions is dead-lettered); `dead-letters list` shows them"
        )
        #expect(try await harness.store.deadLetters(limit: 5).map(\.stepID) == [step.stepID], "nothing was retried or discarded")
    }

    @Test func aDeadLetterCanBeDiscardedForGood() async throws {
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: doomed
                    on: export.completed
                    do:
                      - record: { id: "dl-\(UUID().uuidString)", mode: permanent }
                      - log: { message: "only after the record" }
                  - name: other
                    on: export.completed
                    do:
                      - record: { id: "dl-other-\(UUID().uuidString)", mode: permanent }
                """
        )
        defer { harness.removeFiles() }
        guard case .new(let id) = try await harness.store.ingest(Self.event("e-8")) else { throw InspectError("not stored") }
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until { try await harness.store.deadLetters(limit: 5).count == 2 }
        }
        let step = try #require(try await harness.store.deadLetters(limit: 5).first { $0.rule == "doomed" })
        let other = try #require(try await harness.store.deadLetters(limit: 5).first { $0.rule == "other" })
        let one = try await Self.run(["dead-letters", "list", "--store", harness.path, "--limit", "1"])
        #expect(one.hasSuffix("(the newest 1 of 2; --limit 2 lists them all)"), "\(one)")
        // As JSON, standard output stays one object per line and the rest is told on standard error.
        let json = Console.Capture()
        let jsonOne = try await Self.run(["dead-letters", "list", "--store", harness.path, "--limit", "1", "--json"], capture: json)
        #expect(try Self.objects(jsonOne).count == 1)
        #expect(json.notes == "(the newest 1 of 2; --limit 2 lists them all)", "\(json.notes)")
        #expect(!(try await Self.run(["dead-letters", "list", "--store", harness.path])).contains("(the newest"))
        #expect(await Self.failure(["dead-letters", "discard", "--store", harness.path]) == "name step ids, or --all")
        #expect(await Self.failure(["dead-letters", "discard", "--store", harness.path, "--all", "x/y/0"]) == "name step ids or --all, not both")
        #expect(try await harness.store.deadLetters(limit: 5).count == 2, "nothing was discarded")
        let discarded = try await Self.run(["dead-letters", "discard", "--store", harness.path, step.stepID])
        #expect(discarded == "discarded \(step.stepID)")
        #expect(try await harness.store.deadLetters(limit: 5).map(\.stepID) == [other.stepID])
        let shown = try await Self.run(["events", "show", "--store", harness.path, "--json", id])
        #expect(shown.contains(#""status":"skipped""#))
        #expect(shown.contains("discarded from the dead letters; it had failed: "))
        #expect(await Self.failure(["dead-letters", "discard", "--store", harness.path, step.stepID]).hasPrefix("not dead-lettered"))

        // The event runs again for the other rule's retry: the discarded action still holds back the
        // action after it, as the dead letter did.
        _ = try await Self.run(["dead-letters", "retry", "--store", harness.path, other.stepID])
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until {
                let idle = try await harness.store.queueDepth() == 0
                let dead = try await harness.store.deadLetters(limit: 5).map(\.stepID)
                return idle && dead == [other.stepID]
            }
        }
        let doomed = try await harness.store.steps(eventID: id).filter { $0.rule == "doomed" }
        #expect(doomed.map(\.stepID) == [step.stepID], "the log action after the discarded one never ran")
        #expect(try await Self.run(["dead-letters", "discard", "--store", harness.path, "--all"]) == "discarded \(other.stepID)")
        #expect(try await harness.store.deadLetterCount() == 0)
    }

    /// `--since` selects replays too; each points at the first event, so replaying both would run the
    /// first event's actions twice more. One copy per original, and what was skipped is said.
    @Test func aBulkReplayRunsEachOriginalOnce() async throws {
        // Nothing is dispatched here: the commands read and write the store alone.
        let harness = try await EngineHarness(rules: "rules: []")
        defer { harness.removeFiles() }
        guard case .new(let original) = try await harness.store.ingest(Self.event("e-5")) else { throw InspectError("not stored") }
        guard case .new(let other) = try await harness.store.ingest(Self.event("e-6")) else { throw InspectError("not stored") }
        let first = try await Self.run(["events", "replay", "--store", harness.path, original])
        let replayID = try #require(first.split(separator: " ").dropFirst(3).first.map(String.init))

        // Asked for the replay: the copy says both what was asked for and the original it repeats.
        let again = try await Self.run(["events", "replay", "--store", harness.path, "--json", replayID])
        let line = try #require(try Self.objects(again).first)
        #expect(line["event"]?.stringValue == replayID)
        #expect(line["replay_of"]?.stringValue == original)

        let bulk = try await Self.run(["events", "replay", "--store", harness.path, "--since", "1h"])
        let lines = bulk.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("replayed ") }.count == 2, "\(bulk)")
        #expect(lines.contains { $0.hasPrefix("replayed \(original) as ") })
        #expect(lines.contains { $0.hasPrefix("replayed \(other) as ") })
        #expect(lines.filter { $0.hasPrefix("skipped ") && $0.contains("it is \(original) again") }.count == 2, "\(bulk)")
        let copies = try await harness.store.recentEvents(limit: 50, since: nil).filter { $0.event.replayOf == original }
        #expect(copies.count == 3, "one by id, one of the replay, one from the bulk replay")
    }

    /// `--type` looks through every event since `--since`, not only the newest few thousand: old matches
    /// behind a large recent burst are listed and replayed; and a bulk replay that selects more than
    /// `--max` replays nothing, instead of only the newest of them.
    @Test func aTypeFilterSeesPastARecentBurstAndBulkReplayNeverReplaysOnlyPart() async throws {
        let harness = try await EngineHarness(rules: "rules: []")
        defer { harness.removeFiles() }
        let failed = (1...3).map { Self.event("old-\($0)", type: .exportFailed) }
        _ = try await harness.store.ingest(failed)
        _ = try await harness.store.ingest((1...10_005).map { Self.event("burst-\($0)") })

        let listed = try Self.objects(try await Self.run(["events", "list", "--store", harness.path, "--json", "--type", "export.f*"]))
        #expect(Set(listed.compactMap { $0["id"]?.stringValue }) == Set(failed.map(\.id)))

        let before = try await harness.store.recentEvents(limit: 20_000, since: nil).count
        let refused = await Self.failure(["events", "replay", "--store", harness.path, "--since", "1h", "--max", "10000"])
        #expect(refused.contains("more than 10000 events match --since 1h"), "\(refused)")
        #expect(refused.contains("nothing was replayed"))
        #expect(try await harness.store.recentEvents(limit: 20_000, since: nil).count == before)

        let replayed = try await Self.run(["events", "replay", "--store", harness.path, "--since", "1h", "--type", "export.failed"])
        #expect(replayed.split(separator: "\n").filter { $0.hasPrefix("replayed ") }.count == 3, "\(replayed)")
        let copies = try await harness.store.recentEvents(limit: 10, since: nil).compactMap(\.event.replayOf)
        #expect(Set(copies) == Set(failed.map(\.id)))
    }

    /// `--until` closes the window `--since` opens: an incident's events, or the page before the oldest
    /// one listed. Stored an hour apart on the store's clock.
    @Test func untilClosesTheWindowAndPagesBack() async throws {
        let clock = ManualClock(try Date("2026-11-01T10:00:00Z", strategy: .iso8601))
        let harness = try await EngineHarness(rules: "rules: []", now: { clock.now })
        defer { harness.removeFiles() }
        var ids: [String] = []
        for uid in ["a", "b", "c"] {
            guard case .new(let id) = try await harness.store.ingest(Self.event(uid)) else { throw InspectError("not stored") }
            ids.append(id)
            clock.advance(by: 3_600)
        }
        func listed(_ arguments: [String]) async throws -> [String] {
            let output = try await Self.run(["events", "list", "--store", harness.path, "--json"] + arguments)
            return output.isEmpty ? [] : try Self.objects(output).compactMap { $0["id"]?.stringValue }
        }
        #expect(try await listed(["--until", "2026-11-01T11:30:00Z"]) == [ids[1], ids[0]])
        #expect(try await listed(["--since", "2026-11-01T10:30:00Z", "--until", "2026-11-01T11:30:00Z"]) == [ids[1]])
        // Paging back: the next page ends where the last one's oldest event was stored.
        #expect(try await listed(["--limit", "1"]) == [ids[2]])
        #expect(try await listed(["--limit", "1", "--until", "2026-11-01T12:00:00Z"]) == [ids[1]])
        #expect(try await listed(["--until", "2026-11-01T10:00:00Z"]).isEmpty, "the end is not included")
        // The largest limit lists everything; one more than it once overflowed and crashed.
        #expect(try await listed(["--limit", "\(Int.max)"]) == [ids[2], ids[1], ids[0]])

        let replayed = try await Self.run([
            "events", "replay", "--store", harness.path, "--since", "2026-11-01T09:00:00Z", "--until", "2026-11-01T10:30:00Z",
        ])
        #expect(replayed.hasPrefix("replayed \(ids[0]) as "), "\(replayed)")
        #expect(replayed.split(separator: "\n").count == 1)
        #expect(await Self.failure(["events", "replay", "--store", harness.path, ids[2], "--until", "1h"]).contains("add --since"))
        #expect(
            await Self.failure(["events", "list", "--store", harness.path, "--until", "yesterday"])
                == "--until takes a duration (30m, 2h, 7d), an ISO-8601 time or a stored event's id, not 'yesterday'"
        )
        #expect(await Self.failure(["events", "list", "--store", harness.path, "--limit", "0"]) == "--limit must be at least 1")
        let inverted = await Self.failure(["events", "list", "--store", harness.path, "--since", "1h", "--until", "2h"])
        #expect(inverted.hasPrefix("--since 1h ("), "\(inverted)")
        #expect(inverted.contains(") is not before --until 2h ("), "\(inverted)")
        #expect(inverted.hasSuffix("): no event can match"), "\(inverted)")
    }

    /// A `--since` or `--until` written almost right is told what it lacks, as `check-config` says it of a
    /// duration or a silence's `until`, rather than only that it is neither a duration nor a time.
    @Test func aWindowAlmostWrittenRightSaysWhatItLacks() async throws {
        let harness = try await EngineHarness(rules: "rules: []")
        defer { harness.removeFiles() }
        let list = ["events", "list", "--store", harness.path]
        #expect(await Self.failure(list + ["--since", "5"]) == "--since 5: '5' is not a duration: a bare number is ambiguous (write 5s or 5m)")
        #expect(await Self.failure(list + ["--since", "99999d"]) == "--since 99999d: '99999d' is too long: at most 36500d")
        #expect(
            await Self.failure(list + ["--since", "2026-12-03"])
                == "--since 2026-12-03: '2026-12-03' is a date without a time: write the time and its zone, like 2026-12-03T23:59:59Z (UTC) or 2026-12-03T23:59:59+01:00"
        )
        #expect(
            await Self.failure(list + ["--until", "2026-12-03T17:00:00"])
                == "--until 2026-12-03T17:00:00: '2026-12-03T17:00:00' has no time zone: write 2026-12-03T17:00:00Z (UTC) or with an offset, like 2026-12-03T17:00:00+01:00"
        )
        #expect(
            await Self.failure(["events", "replay", "--store", harness.path, "--since", "2026-12-03 17:00:00Z"])
                == "--since 2026-12-03 17:00:00Z: '2026-12-03 17:00:00Z' has a space between the date and the time: write 2026-12-03T17:00:00Z"
        )
        // Text of neither shape, or a piece of an event id, keeps the message that lists what is taken.
        #expect(await Self.failure(list + ["--since", "yesterday"]) == "--since takes a duration (30m, 2h, 7d) or an ISO-8601 time, not 'yesterday'")
        #expect(
            await Self.failure(list + ["--until", "01a23ce9"])
                == "--until takes a duration (30m, 2h, 7d), an ISO-8601 time or a stored event's id, not '01a23ce9'"
        )
    }

    /// Events stored in the same instant (a batch commits many at one time) are paged through without a
    /// gap: the page's last event id is where the next page goes on, which a time cannot say.
    @Test func pagesGoOnFromTheLastEventListedWithoutLosingEventsStoredInTheSameInstant() async throws {
        let clock = ManualClock(try Date("2026-11-01T10:00:00Z", strategy: .iso8601))
        let harness = try await EngineHarness(rules: "rules: []", now: { clock.now })
        defer { harness.removeFiles() }
        _ = try await harness.store.ingest((1...7).map { Self.event("same-\($0)") })
        let stored = try await harness.store.recentEvents(limit: 10, since: nil).map(\.event.id)
        #expect(stored.count == 7)

        var seen: [String] = []
        var arguments = ["--limit", "3"]
        for _ in 0..<5 {
            let table = try await Self.run(["events", "list", "--store", harness.path] + arguments)
            let lines = table.split(separator: "\n").map(String.init)
            seen += lines.dropFirst().filter { !$0.hasPrefix("(") }.map { String($0.prefix { $0 != " " }) }
            guard let hint = lines.last, hint.hasPrefix("(the newest 3 shown; older ones: --until ") else { break }
            arguments = ["--limit", "3", "--until", String(hint.dropFirst("(the newest 3 shown; older ones: --until ".count).dropLast())]
        }
        #expect(seen == stored, "every event once, newest first")
        let json = try await Self.run(["events", "list", "--store", harness.path, "--json", "--until", stored[5]])
        #expect(try Self.objects(json).compactMap { $0["id"]?.stringValue } == [stored[6]])
        let upper = try await Self.run(["events", "list", "--store", harness.path, "--json", "--until", stored[5].uppercased()])
        #expect(upper == json, "an id copied in upper case names the same event")
        let shown = try await Self.run(["events", "show", "--store", harness.path, "--json", stored[5].uppercased()])
        #expect(try Self.objects(shown).first?["id"]?.stringValue == stored[5], "events show takes it too")

        // A cut JSON list keeps standard output to its objects and tells the next page on standard error.
        let capture = Console.Capture()
        let cut = try await Self.run(["events", "list", "--store", harness.path, "--json", "--limit", "2"], capture: capture)
        #expect(try Self.objects(cut).compactMap { $0["id"]?.stringValue } == Array(stored.prefix(2)))
        #expect(capture.notes == "(the newest 2 shown; older ones: --until \(stored[1]))")
        let whole = Console.Capture()
        _ = try await Self.run(["events", "list", "--store", harness.path, "--json", "--limit", "7"], capture: whole)
        #expect(whole.notes.isEmpty, "nothing is left for another page")

        let unknown = "019ad6a4-3b1e-7c2f-9a4d-5e6f7a8b9c0d"
        #expect(
            await Self.failure(["events", "list", "--store", harness.path, "--until", unknown])
                == "no event \(unknown) in the store; `events list` shows them"
        )
        let after = await Self.failure(["events", "list", "--store", harness.path, "--since", "2026-11-01T11:00:00Z", "--until", stored[5]])
        #expect(after.hasSuffix("no event can match") && after.contains("is after event \(stored[5])"), "\(after)")
    }

    /// A `--store` that names another application's database is refused in one line, and the file is
    /// left as it was.
    @Test func aForeignDatabaseIsNotReadAsAStore() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("foreign-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let foreign = try DatabaseQueue(path: path)
        try await foreign.write { db in try db.execute(sql: "CREATE TABLE users (name TEXT)") }
        try foreign.close()
        for command in [["events", "list"], ["dead-letters", "list"], ["events", "replay", "--since", "1h"]] {
            #expect(
                await Self.failure(command + ["--store", path])
                    == "\(path) is not an avala-bot store: it is another database (tables users), left as it is; give store.sqlite a file of its own"
            )
        }
        let tables = try await DatabaseQueue(path: path).read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master") }
        #expect(tables == ["users"])

        // An empty file is no store either, and stays empty.
        let empty = path + ".empty"
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        #expect(await Self.failure(["events", "list", "--store", empty]).hasPrefix("\(empty) is an empty file, not a store"))
        #expect(SQLiteEventStore.fileSize(empty) == 0)

        // A file of another kind (a config given as --store) and a directory are named as such, not as
        // SQLite's "file is not a database" or "disk I/O error"; the file is left as it was.
        let text = path + ".yaml"
        defer { try? FileManager.default.removeItem(atPath: text) }
        try "store: { sqlite: ./data/avala-bot.sqlite }\n".write(toFile: text, atomically: true, encoding: .utf8)
        for command in [["events", "list"], ["dead-letters", "retry", "--all"]] {
            #expect(
                await Self.failure(command + ["--store", text])
                    == "\(text) is not an avala-bot store: it is no SQLite database at all, left as it is; check the path (a store damaged this way is restored from a backup)"
            )
        }
        #expect(try String(contentsOfFile: text, encoding: .utf8) == "store: { sqlite: ./data/avala-bot.sqlite }\n")
        let directory = path + ".d"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        // Read-only (`list`) or writable (`silences add`, and `run` and `check-config` through the same check).
        for command in [["events", "list"], ["silences", "add", "--match", "event.type=export.failed", "--for", "1h"]] {
            #expect(
                await Self.failure(command + ["--store", directory])
                    == "\(directory) is a directory: the store is a file in it, like \(directory)/avala-bot.sqlite"
            )
        }
        var loader = ConfigLoader(environment: [:])
        loader.checkDeployment = true
        let checked = loader.load(yaml: "store: { sqlite: \"\(directory)\" }\nrules: []\n", file: "bot.yaml").errors.map(\.description)
        #expect(checked.contains { $0.contains("store.sqlite: \(directory) is a directory: the store is a file in it") }, "\(checked)")
    }

    /// Each output line of a `--json` command, parsed: every line must be one JSON object.
    static func objects(_ output: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [[String: JSON]] {
        try output.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            try #require(try? JSON.parse(Array(line.utf8)).objectValue, "not one JSON object: \(line)", sourceLocation: sourceLocation)
        }
    }

    /// `--json` is "one JSON object per line" for every command that has it, the writing ones included.
    @Test func everyJSONFlagPrintsOneObjectPerLine() async throws {
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: doomed
                    on: export.completed
                    do:
                      - record: { id: "dl-\(UUID().uuidString)", mode: permanent }
                """
        )
        defer { harness.removeFiles() }
        guard case .new(let id) = try await harness.store.ingest(Self.event("e-7")) else { throw InspectError("not stored") }
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until { try await harness.store.deadLetters(limit: 5).count == 1 }
        }
        let step = try #require(try await harness.store.deadLetters(limit: 5).first)

        let shown = try Self.objects(try await Self.run(["events", "show", "--store", harness.path, "--json", id]))
        #expect(shown.count == 1)
        #expect(shown.first?["id"]?.stringValue == id)
        #expect(shown.first?["actions"]?.arrayValue?.count == 1)

        let replayed = try Self.objects(try await Self.run(["events", "replay", "--store", harness.path, "--json", id]))
        #expect(replayed.count == 1)
        #expect(replayed.first?["replay_of"]?.stringValue == id)
        #expect(replayed.first?["type"]?.stringValue == "export.completed")

        let retried = try Self.objects(try await Self.run(["dead-letters", "retry", "--store", harness.path, "--json", step.stepID]))
        #expect(retried.map { $0["step"]?.stringValue } == [step.stepID])
        #expect(retried.first?["status"]?.stringValue == "queued")

        let added = try Self.objects(
            try await Self.run(["silences", "add", "--store", harness.path, "--json", "--match", "event.type=export.failed", "--for", "1h"])
        )
        let silence = try #require(added.first?["id"]?.stringValue)
        #expect(added.count == 1)
        #expect(added.first?["active"] == true)
        let expired = try Self.objects(try await Self.run(["silences", "expire", "--store", harness.path, "--json", silence]))
        #expect(expired.first?["id"]?.stringValue == silence)
    }

    @Test func silencesAreAddedListedAndExpired() async throws {
        let harness = try await EngineHarness(rules: "rules: []")
        defer { harness.removeFiles() }
        let quiet = Console.Capture()
        let added = try await Self.run(
            [
                "silences", "add", "--store", harness.path, "--match", "event.type=export.failed", "--match", "project.name=prod-*", "--for",
                "2h", "--comment", "workers replaced",
            ],
            capture: quiet
        )
        #expect(quiet.notes.isEmpty, "paths events carry")
        // A path no event carries is added all the same, with a warning on standard error.
        let warned = Console.Capture()
        _ = try await Self.run(
            [
                "silences", "add", "--store", harness.path, "--match", "data.msg=x", "--match", "event.tpye=y", "--match", "organization.slug=acme",
                "--for", "1h",
            ],
            capture: warned
        )
        #expect(
            warned.notes.contains(
                "warning: --match organization.slug=acme: 'organization' is the organization's slug in every event that carries it, with no fields (write 'organization'), so no alert's event matches it"
            ),
            "\(warned.notes)"
        )
        #expect(warned.notes.contains("warning: --match data.msg=x: no event carries 'data' (events carry: event, "), "\(warned.notes)")
        #expect(warned.notes.contains("warning: --match event.tpye=y: event has no field 'tpye'"), "\(warned.notes)")
        let id = try #require(added.split(separator: " ").dropFirst().first.map(String.init))
        let list = try await Self.run(["silences", "list", "--store", harness.path])
        #expect(list.contains(id) && list.contains("event.type=export.failed project.name=prod-*") && list.contains("workers replaced"))
        #expect(try await Self.run(["silences", "expire", "--store", harness.path, id]) == "silence \(id) expired")
        #expect(try await Self.run(["silences", "list", "--store", harness.path]).contains("expired"))
        #expect(
            await Self.failure(["silences", "add", "--store", harness.path, "--match", "nothing", "--for", "1h"])
                == "--match nothing: expected PATH=VALUE, like event.type=export.failed"
        )
        #expect(
            await Self.failure(["silences", "add", "--store", harness.path, "--match", "a=b", "--for", "60"])
                == "--for 60: '60' is not a duration: a bare number is ambiguous (write 60s or 60m)"
        )
        // Two values for one path: the silence would keep one of them, or match nothing. Refused.
        #expect(
            await Self.failure([
                "silences", "add", "--store", harness.path, "--match", "event.type=export.failed", "--match", "event.type=export.completed",
                "--for", "1h",
            ])
                == "--match event.type=export.completed: event.type is matched already (--match event.type=export.failed), and a silence holds only when every --match does; for either value, add two silences, or one with a glob (a value with *)"
        )
        #expect(
            await Self.failure(["silences", "add", "--store", harness.path, "--match", "a=b", "--for", "0s"])
                == "--for 0s: the silence would already be over"
        )
        // A path that is no path could never match: refused, as in the config.
        #expect(
            await Self.failure(["silences", "add", "--store", harness.path, "--match", "project..name=x", "--for", "1h"])
                == "--match project..name=x: 'project..name' is not an event path like event.type or project.name"
        )
        #expect(
            await Self.failure(["silences", "add", "--store", harness.path, "--match", "a=b", "--until", "2099-12-31"])
                == "--until 2099-12-31: '2099-12-31' is a date without a time: write the time and its zone, like 2099-12-31T23:59:59Z (UTC) or 2099-12-31T23:59:59+01:00"
        )
    }

    /// A wrong option of `silences add` is shown with that command's usage (an error from `run` would be
    /// shown with the top-level one), and expiring a silence written in the config says where it ends.
    @Test func silencesErrorsNameTheirCommand() async throws {
        let harness = try await EngineHarness(rules: "rules: []")
        defer { harness.removeFiles() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("silences-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for wrong in [
            ["--match", "nonsense", "--for", "1h"], ["--match", "a=b", "--for", "0s"], ["--match", "a=b", "--until", "2001-01-01T00:00:00Z"],
        ] {
            let add = try CommandProcess(["silences", "add", "--store", harness.path] + wrong, in: directory)
            #expect(await add.waitForExit() == .status(64), "\(add.errors)")
            #expect(add.errors.contains("Usage: avala-bot silences add"), "\(wrong): \(add.errors)")
        }

        let config = directory.appendingPathComponent("bot.yaml").path
        try """
        store: { sqlite: "\(harness.path)" }
        plugins:
          alert:
            silences:
              - { matchers: { "project.name": "staging-*" }, until: "2099-01-01T00:00:00Z" }
        rules: []
        """.write(toFile: config, atomically: true, encoding: .utf8)
        #expect(
            await Self.failure(["silences", "expire", "--config", config, "config-1"])
                == "silence config-1 is written in the config (plugins.alert.silences): it ends when it is removed from there"
        )
        #expect(await Self.failure(["silences", "expire", "--config", config, "nope"]) == "no stored silence nope; `silences list` shows them")
    }

    /// A `--match` value written as a rule's `where` writes it (`{glob: prod-*}`), or as a list, would be
    /// stored as that text and match nothing: it is refused as a bad command line, saying what to write,
    /// and nothing is stored. Braces inside a value are only text.
    @Test func aMatchValueWrittenAsAMappingOrAListIsRefusedSayingHowToWriteIt() async throws {
        let harness = try await EngineHarness(rules: "rules: []")
        defer { harness.removeFiles() }
        let add = ["silences", "add", "--store", harness.path, "--for", "1h", "--match"]
        let compared = "a silence compares the value as written (a glob when it contains *)"
        #expect(
            await Self.failure(add + ["project.name={glob: prod-*}"])
                == "--match project.name={glob: prod-*}: \(compared), not an operator ('glob') as in a rule's where: write --match 'project.name=prod-*'"
        )
        #expect(
            await Self.failure(add + [#"member.email={ glob: "*@acme.ai" }"#])
                == #"--match member.email={ glob: "*@acme.ai" }: \#(compared), not an operator ('glob') as in a rule's where: write --match 'member.email=*@acme.ai'"#
        )
        #expect(
            await Self.failure(add + ["project.name={glob: prod-?}"])
                == "--match project.name={glob: prod-?}: \(compared), not an operator ('glob') as in a rule's where, and its only wildcard is *: write --match 'project.name=VALUE'"
        )
        #expect(
            await Self.failure(add + ["export.format={in: [coco, yolo]}"]).hasPrefix(
                "--match export.format={in: [coco, yolo]}: \(compared), not a mapping or an operator ('in') as in a rule's where"
            )
        )
        #expect(
            await Self.failure(add + ["export.format=[coco, yolo]"])
                == "--match export.format=[coco, yolo]: \(compared), not a list: a silence holds only when every --match does, so for any of several values add a silence for each, or one with a glob"
        )
        #expect(
            await Self.failure(add + ["project.name={{project.name}}"])
                == "--match project.name={{project.name}}: \(compared); a template is not filled in: write the value itself"
        )
        #expect(try await Self.run(["silences", "list", "--store", harness.path, "--json"]).isEmpty, "nothing was stored")

        // Through the built binary: this command's usage and 64, as for any bad --match.
        let result = try await CommandProcess.run(add + ["project.name={glob: prod-*}"])
        #expect(result.exit == .status(64), "\(result.errors)")
        #expect(result.errors.hasPrefix("Error: --match project.name={glob: prod-*}: "), "\(result.errors)")
        #expect(result.errors.contains("Usage: avala-bot silences add"), "\(result.errors)")
        #expect(try await Self.run(["silences", "list", "--store", harness.path, "--json"]).isEmpty, "nothing was stored")

        // Braces or brackets inside a value are text like any other.
        let added = try await Self.run(add + ["export.error=timeout {30s} [retry]"])
        #expect(added.hasPrefix("silence "), "\(added)")
        #expect(try await Self.run(["silences", "list", "--store", harness.path]).contains("export.error=timeout {30s} [retry]"))
    }

    /// Inspecting reads the store whatever else the config gets wrong (a plain-http simulator URL, a broken
    /// rule); only an error in what decides the store's path stops it.
    @Test func storeCommandsReadTheStoreDespiteErrorsElsewhereInTheConfig() async throws {
        let harness = try await EngineHarness(rules: "rules: []")
        defer { harness.removeFiles() }
        guard case .new(let id) = try await harness.store.ingest(Self.event("x")) else { throw InspectError("not stored") }
        let config = harness.path + ".yaml"
        defer { try? FileManager.default.removeItem(atPath: config) }
        try """
        api:
          base_url: "http://127.0.0.1:8787/api/v1"
        store:
          sqlite: "\(harness.path)"
        rules:
          - { name: broken, on: export.completed, do: [{ nope: {} }] }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try await Self.run(["events", "list", "--config", config]).contains(id))
        #expect(try await Self.run(["dead-letters", "list", "--config", config]).hasSuffix("(no dead letters)"))

        try "store:\n  sqlite: [a, b]\n".write(toFile: config, atomically: true, encoding: .utf8)
        #expect(await Self.failure(["events", "list", "--config", config]).hasPrefix("\(config):2 store.sqlite: expected text, found a list"))
    }

    /// Through `--config`, one read of the file serves both the store's path and the silences written in
    /// it; its API key reference is never resolved, so listing works without the key.
    @Test func silencesListShowsTheStoreAndTheConfigFromOneConfigFile() async throws {
        let harness = try await EngineHarness(rules: "rules: []")
        defer { harness.removeFiles() }
        _ = try await Self.run(["silences", "add", "--store", harness.path, "--match", "event.type=export.failed", "--for", "2h"])
        let config = harness.path + ".yaml"
        defer { try? FileManager.default.removeItem(atPath: config) }
        try """
        api:
          base_url: "https://api.avala.ai/api/v1"
          api_key: "${AVALA_KEY_THAT_IS_NOT_SET_IN_TESTS}"
        store:
          sqlite: "\(harness.path)"
        plugins:
          alert:
            silences:
              - { matchers: { "project.name": "staging-*" }, until: "2099-01-01T00:00:00Z", comment: "staging is noisy" }
        rules: []
        """.write(toFile: config, atomically: true, encoding: .utf8)

        let lines = try await Self.run(["silences", "list", "--config", config]).split(separator: "\n")
        #expect(lines.contains { $0.contains("store") && $0.contains("event.type=export.failed") })
        #expect(
            lines.contains {
                $0.contains("config-1") && $0.contains("config") && $0.contains("project.name=staging-*") && $0.contains("staging is noisy")
            }
        )
        #expect(
            await Self.failure(["silences", "list", "--config", harness.path + ".absent.yaml"])
                == "\(harness.path).absent.yaml does not exist; pass --config FILE or --store PATH"
        )
    }

    /// A config silence written with `${…}` is listed with its value from the environment, as `run`
    /// reads it; one that cannot be read is named on standard error, not left out without a word.
    @Test func configSilencesResolveTheirReferences() {
        var loader = ConfigLoader(environment: [:])
        loader.resolveReferences = false
        let loaded = loader.load(
            yaml: """
                plugins:
                  alert:
                    silences:
                      - { matchers: { "project.name": "${PN}" }, until: "2099-01-01T00:00:00Z" }
                      - { matchers: { "project.name": "b" }, until: "${UNTIL}" }
                      - { matchers: { "project.name": "c" }, until: "${UNSET}" }
                """,
            file: "bot.yaml"
        )
        let capture = Console.Capture()
        let silences = Console.$capture.withValue(capture) {
            SilencesCommand.configured(in: loaded, environment: ["PN": "prod-*", "UNTIL": "2099-02-01T00:00:00Z"])
        }
        #expect(silences.map(\.matchers) == [["project.name": "prod-*"], ["project.name": "b"]])
        #expect(capture.notes.hasPrefix("warning: bot.yaml:6 plugins.alert.silences[2] is not listed: until:"), "\(capture.notes)")
    }
}
