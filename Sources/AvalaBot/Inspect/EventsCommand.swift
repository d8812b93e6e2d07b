import ArgumentParser
import BotEngine
import BotKit
import Foundation
import Logging

/// `avala-bot events list | show | replay`: the durable inbox, read and re-driven.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List, show and replay stored events.",
        subcommands: [List.self, Show.self, Replay.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest events first: id, type, status, subject.")

        @OptionGroup var options: StoreOptions
        @Option(name: .long, help: "Only events stored since: a duration (30m, 2h) or an ISO-8601 time.")
        var since: String?
        @Option(
            name: .long,
            help: "Only events stored before: a duration ago (2h), an ISO-8601 time, or an event id (older than that event: the next page)."
        )
        var until: String?
        @Option(name: .long, help: "Only events of this type (a glob: export.*).")
        var type: String?
        @Option(name: .long, help: "At most this many.")
        var limit = 50

        func validate() throws {
            if limit < 1 { throw ValidationError("--limit must be at least 1") }
            _ = try EventWindow(since: since, until: until, type: type)
        }

        func run() async throws {
            let window = try EventWindow(since: since, until: until, type: type)
            let store = try await options.open(logger: Logger(label: "avala-bot.events"), readOnly: true)
            // One more than shown: whether older events are left for another page.
            var events = try await EventsCommand.select(store: store, window: window, limit: limit == .max ? limit : limit + 1)
            let more = events.count > limit
            if more { events.removeLast() }
            // Nothing listed for a type no known event has: a typo (`exprt.*`) more likely than a quiet store.
            if events.isEmpty, let type, let note = EventsCommand.unknownTypeNote(type) { Console.note(note) }
            let botRuns = events.contains { $0.status == .running } ? StoreLock.isHeld(storePath: store.path) : nil
            if options.json {
                for stored in events { Console.line(InspectFormat.jsonLine(InspectFormat.json(stored, botRuns: botRuns))) }
                // Standard output stays one object per line; the next page is told on standard error.
                if more, let last = events.last { Console.note("(the newest \(limit) shown; older ones: --until \(last.event.id))") }
                return
            }
            let rows = events.map { stored in
                [
                    stored.event.id, InspectFormat.time(stored.storedAt), stored.event.type.rawValue,
                    InspectFormat.status(stored, botRuns: botRuns),
                    stored.event.subject.map { "\($0.kind) \($0.uid)" } ?? "-", InspectFormat.from(stored.event),
                ]
            }
            for line in InspectFormat.table(["ID", "STORED", "TYPE", "STATUS", "SUBJECT", "FROM"], rows) { Console.line(line) }
            if events.isEmpty { Console.line("(no events)") }
            if botRuns == false, events.contains(where: { $0.status == .running }) { Console.line(InspectFormat.interruptedNote) }
            if more, let last = events.last {
                Console.line("(the newest \(limit) shown; older ones: --until \(last.event.id))")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One event as JSON, with its keys, status and every action's journal (indented; --json: on one line)."
        )

        @OptionGroup var options: StoreOptions
        @Argument(help: "The event id (from `events list`).")
        var id: String

        func run() async throws {
            let store = try await options.open(logger: Logger(label: "avala-bot.events"), readOnly: true)
            guard let stored = try await EventsCommand.storedEvent(id, in: store) else { throw EventsCommand.notStored(id) }
            let botRuns = stored.status == .running ? StoreLock.isHeld(storePath: store.path) : nil
            var object = InspectFormat.json(stored, botRuns: botRuns).objectValue ?? [:]
            object["actions"] = .array(try await store.steps(eventID: stored.event.id).sorted { $0.stepID < $1.stepID }.map(InspectFormat.json))
            if options.json {
                Console.line(InspectFormat.jsonLine(.object(object)))
                return
            }
            // For people: indented, since an event with its journal is too long to read on one line.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            Console.line(String(decoding: try encoder.encode(JSON.object(object)), as: UTF8.self))
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest a copy of events with event.replay_of set and fresh keys, so their actions run again.",
            discussion: """
                Plugins still check the API before acting: a pending invitation is not sent twice. A running bot \
                picks the copies up within a second; otherwise they run at its next start.
                """
        )

        @OptionGroup var options: StoreOptions
        @Argument(help: "Event ids to replay.")
        var ids: [String] = []
        @Option(name: .long, help: "Replay every event stored since: a duration (30m, 2h) or an ISO-8601 time.")
        var since: String?
        @Option(
            name: .long,
            help: "With --since: only events stored before this (a duration ago, an ISO-8601 time, or an event id: older than that event)."
        )
        var until: String?
        @Option(name: .long, help: "With --since: only events of this type (a glob).")
        var type: String?
        @Option(name: .customLong("max"), help: "With --since: refuse, replaying nothing, when more events than this match.")
        var maxEvents = 10_000

        func validate() throws {
            if ids.isEmpty, since == nil { throw ValidationError("name event ids, or --since DURATION") }
            if maxEvents < 1 { throw ValidationError("--max must be at least 1") }
            if since == nil, until != nil || type != nil { throw ValidationError("--until and --type select with --since; add --since") }
            _ = try EventWindow(since: since, until: until, type: type)
        }

        func run() async throws {
            let window = try EventWindow(since: since, until: until, type: type)
            let store = try await options.open(logger: Logger(label: "avala-bot.events"))
            var originals: [StoredEvent] = []
            for id in ids {
                guard let stored = try await EventsCommand.storedEvent(id, in: store) else { throw EventsCommand.notStored(id) }
                originals.append(stored)
            }
            if since != nil {
                // All that match or none: replaying only the newest of them would leave a gap no line shows.
                let selected = try await EventsCommand.select(store: store, window: window, limit: maxEvents < Int.max ? maxEvents + 1 : maxEvents)
                guard selected.count <= maxEvents else {
                    throw CommandFailure(
                        "more than \(maxEvents) events match --since \(since ?? "")\(until.map { " --until \($0)" } ?? "")\(type.map { " --type \($0)" } ?? ""); nothing was replayed: narrow the selection, or raise --max to replay them all at once"
                    )
                }
                originals += selected.reversed()
            }
            let (chosen, skipped) = EventsCommand.onePerOriginal(originals.map(\.event))
            for event in skipped {
                let root = event.replayOf ?? event.id
                Console.line(
                    options.json
                        ? InspectFormat.jsonLine(["skipped": .string(event.id), "replay_of": .string(root)])
                        : "skipped \(event.id): it is \(root) again, which is replayed once"
                )
            }
            let now = Date()
            let copies = chosen.map { EventsCommand.replay(of: $0, at: now) }
            let results = try await store.ingest(copies)
            for (asked, (copy, result)) in zip(chosen, zip(copies, results)) {
                guard case .new(let id) = result else { continue }
                let root = copy.replayOf ?? asked.id
                if options.json {
                    Console.line(
                        InspectFormat.jsonLine([
                            "event": .string(asked.id), "replay_of": .string(root), "id": .string(id), "type": .string(copy.type.rawValue),
                        ])
                    )
                } else {
                    let of = root == asked.id ? "" : ", a replay of \(root)"
                    Console.line("replayed \(asked.id) as \(id) (\(copy.type.rawValue)\(of))")
                }
            }
            if !copies.isEmpty { InspectFormat.noteWhenNoBotRuns(store.path) }
        }
    }

    /// Said when `--type` matched nothing and no type the bot knows matches it; nil otherwise (and for a
    /// pattern that is no glob, which ``EventWindow`` refuses). Only a note: a webhook may bring other types.
    static func unknownTypeNote(_ type: String) -> String? {
        guard let pattern = try? Glob(type), !EventType.known.contains(where: { pattern.matches($0.rawValue) }) else { return nil }
        return
            "(--type \(type) matches none of the types avala-bot knows: \(EventType.known.map(\.rawValue).joined(separator: ", ")); a webhook may bring others)"
    }

    /// One event per original: a replay and its original (or two replays of one original) would run the
    /// same actions twice over, since every replay points at the first event (`replay_of`). The first
    /// met is kept — an original selected with its own replays is replayed from itself.
    static func onePerOriginal(_ events: [Event]) -> (chosen: [Event], skipped: [Event]) {
        var roots: [String: Int] = [:]
        var chosen: [Event] = []
        var skipped: [Event] = []
        for event in events {
            let root = event.replayOf ?? event.id
            if let index = roots[root] {
                // The original itself beats a replay of it that came first.
                if event.replayOf == nil, chosen[index].replayOf != nil {
                    skipped.append(chosen[index])
                    chosen[index] = event
                } else if chosen[index].id != event.id {
                    skipped.append(event)
                }
                continue
            }
            roots[root] = chosen.count
            chosen.append(event)
        }
        return (chosen, skipped)
    }

    /// A copy that is a new event: new id, `replay_of`, and one fresh key (the original's keys would make
    /// it a duplicate).
    static func replay(of original: Event, at now: Date) -> Event {
        var copy = original
        copy.id = Event.newID()
        copy.replayOf = original.replayOf ?? original.id
        copy.keys = ["replay:\(original.id):\(copy.id)"]
        copy.time = now
        return copy
    }

    /// The event `id` names; ids are written in lower case, and one copied in upper case names the same.
    static func storedEvent(_ id: String, in store: SQLiteEventStore) async throws -> StoredEvent? {
        if let stored = try await store.event(id: id) { return stored }
        return id == id.lowercased() ? nil : try await store.event(id: id.lowercased())
    }

    static func notStored(_ id: String) -> CommandFailure {
        CommandFailure("no event \(id) in the store; `events list` shows them")
    }

    /// Whether `text` has the shape of an event id (a UUID: 8-4-4-4-12 hex digits), so that one not
    /// stored is told so rather than that it is no duration or time.
    static func looksLikeEventID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    /// The stored events `window` selects, newest first; `--until` as an event id goes on after that event
    /// (how a page goes on from the last event of the one before).
    static func select(store: SQLiteEventStore, window: EventWindow, limit: Int) async throws -> [StoredEvent] {
        let olderThan = try await window.olderThan(in: store)
        let pattern = window.pattern
        return try await store.recentEvents(limit: limit, since: window.start, until: window.end, olderThan: olderThan) {
            pattern?.matches($0) ?? true
        }
    }
}
