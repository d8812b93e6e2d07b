import ArgumentParser
import BotEngine
import BotKit
import Foundation
import Logging

/// `avala-bot dead-letters list | retry | discard`: actions that gave up; re-running them under their
/// original idempotency key (so a plugin that acted before still sees its journal and the API's state), or
/// giving up on them for good. A dead letter stays until one of the two: retention does not prune it.
struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "List dead-lettered actions, retry them, or discard them.",
        discussion: "Dead letters are kept until they are retried or discarded; store.retention does not prune them.",
        subcommands: [List.self, Retry.self, Discard.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Dead-lettered actions, newest first, with why they failed.")

        @OptionGroup var options: StoreOptions
        @Option(name: .long, help: "At most this many.")
        var limit = 50

        func validate() throws {
            if limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            let store = try await options.open(logger: Logger(label: "avala-bot.dead-letters"), readOnly: true)
            let dead = try await store.deadLetters(limit: limit)
            if options.json {
                for step in dead { Console.line(InspectFormat.jsonLine(InspectFormat.json(step))) }
                // Standard output stays one object per line; that more are kept is told on standard error.
                let total = try await store.deadLetterCount()
                if total > dead.count { Console.note("(the newest \(dead.count) of \(total); --limit \(total) lists them all)") }
                return
            }
            let rows = dead.map { step in
                [step.stepID, InspectFormat.time(step.updatedAt), "\(step.plugin).\(step.action)", "\(step.attempts)", step.detail ?? ""]
            }
            for line in InspectFormat.table(["STEP", "SINCE", "ACTION", "FAILED RUNS", "REASON"], rows) { Console.line(line) }
            if dead.isEmpty { Console.line("(no dead letters)") }
            // They are kept until retried or discarded, so there may be many more than one screen.
            let total = try await store.deadLetterCount()
            if total > dead.count { Console.line("(the newest \(dead.count) of \(total); --limit \(total) lists them all)") }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue dead-lettered actions again, their failed runs counted from 0, under their original key.",
            discussion: "A running bot picks them up within a second; otherwise they run at its next start."
        )

        @OptionGroup var selection: Selection

        func run() async throws {
            // With the config the store was found through, a step whose rule it no longer has is named: the
            // bot would only dead-letter it again. With --store no config is read, and nothing is said.
            let options = selection.options
            let rules = options.store == nil ? options.loadConfig()?.configuration.rules?.items?.compactMap { $0["name"]?.text } : nil
            let warning: (StepRecord) -> String? = { step in
                guard let rules, !rules.contains(step.rule) else { return nil }
                return
                    "warning: \(step.stepID): rule '\(step.rule)' is no longer in \(options.config), so the bot dead-letters it again; `dead-letters discard` gives up on it"
            }
            try await selection.each(status: "queued", queues: true, warning: warning) { step in
                "queued \(step) again"
            } act: { store, step in
                try await store.retryDeadLetter(stepID: step, now: Date())
            }
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give up on dead-lettered actions for good: they are marked skipped, with why they had failed.",
            discussion: """
                Their rules' later actions for those events stay undone. The events are pruned store.retention \
                after the discard; `events show` keeps the reason until then.
                """
        )

        @OptionGroup var selection: Selection

        func run() async throws {
            try await selection.each(status: "discarded") { step in
                "discarded \(step)"
            } act: { store, step in
                try await store.discardDeadLetter(stepID: step, now: Date())
            }
        }
    }

    /// The dead letters `retry` and `discard` act on: named steps, or `--all`.
    struct Selection: ParsableArguments {
        @OptionGroup var options: StoreOptions
        @Argument(help: "Step ids (from `dead-letters list`).")
        var steps: [String] = []
        @Flag(name: .long, help: "Every dead letter.")
        var all = false

        func validate() throws {
            if steps.isEmpty, !all { throw ValidationError("name step ids, or --all") }
            // Acting on every dead letter and then failing on a named one would leave a script unsure what
            // was done.
            if !steps.isEmpty, all { throw ValidationError("name step ids or --all, not both") }
        }

        /// Applies `act` to the named steps (and every dead letter with `all`), one line each; the steps
        /// that were not dead letters are named together at the end, as the command's failure.
        /// - Parameter queues: whether acting queues work for a bot, which is told, when no bot holds the
        ///   store, that it waits for the next start.
        /// - Parameter warning: what to say on standard error before acting on a dead letter, if anything.
        func each(
            status: String,
            queues: Bool = false,
            warning: (StepRecord) -> String? = { _ in nil },
            said: (String) -> String,
            act: (SQLiteEventStore, String) async throws -> Bool
        ) async throws {
            let store = try await options.open(logger: Logger(label: "avala-bot.dead-letters"))
            // A step named twice (a pasted list) is acted on once: the second time it is no dead letter any
            // more, which would fail a command that did all it was asked.
            var seen: Set<String> = []
            var ids = steps.filter { seen.insert($0).inserted }
            let dead = try await store.deadLetters(limit: Int.max)
            if all { ids += dead.map(\.stepID) }
            let records = Dictionary(dead.map { ($0.stepID, $0) }, uniquingKeysWith: { first, _ in first })
            var missing: [String] = []
            var acted = 0
            for id in ids {
                if let record = records[id], let warning = warning(record) { Console.note(warning) }
                if try await act(store, id) {
                    acted += 1
                    Console.line(options.json ? InspectFormat.jsonLine(["step": .string(id), "status": .string(status)]) : said(id))
                } else {
                    missing.append(id)
                }
            }
            if queues, acted > 0 { InspectFormat.noteWhenNoBotRuns(store.path) }
            if !missing.isEmpty {
                var named: [String] = []
                for id in missing { named.append(try await Self.described(id, in: store)) }
                throw CommandFailure("not dead-lettered (or unknown): \(named.joined(separator: ", ")); `dead-letters list` shows them")
            }
            if ids.isEmpty, !options.json { Console.line("(no dead letters)") }
        }

        /// `id` as a missing step is named; an event's id (copied from `events list`, or the first part of
        /// a step id) is said to be one, with the step ids of its dead letters, which are what is asked for.
        static func described(_ id: String, in store: SQLiteEventStore) async throws -> String {
            guard EventsCommand.looksLikeEventID(id), let stored = try await EventsCommand.storedEvent(id, in: store) else { return id }
            let dead = try await store.steps(eventID: stored.event.id).filter { $0.status == .dead }.map(\.stepID).sorted()
            if dead.isEmpty { return "\(id) (an event, none of whose actions is dead-lettered)" }
            return "\(id) (an event; its dead-lettered step\(dead.count == 1 ? "" : "s"): \(dead.joined(separator: " ")))"
        }
    }
}
