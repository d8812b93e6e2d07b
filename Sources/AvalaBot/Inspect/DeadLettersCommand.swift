import ArgumentParser
import BotEngine
import BotKit
import Foundation
import Logging

/// `avala-bot dead-letters list | retry`: actions that gave up, and re-running them under their original
/// idempotency key (so a plugin that acted before still sees its journal and the API's state).
struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "List dead-lettered actions and retry them.",
        subcommands: [List.self, Retry.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Dead-lettered actions, newest first, with why they failed.")

        @OptionGroup var options: StoreOptions
        @Option(name: .long, help: "At most this many.")
        var limit = 50

        func run() async throws {
            let store = try await options.open(logger: Logger(label: "avala-bot.dead-letters"))
            let dead = try await store.deadLetters(limit: limit)
            if options.json {
                for step in dead { Console.line(InspectFormat.jsonLine(InspectFormat.json(step))) }
                return
            }
            let rows = dead.map { step in
                [step.stepID, InspectFormat.time(step.updatedAt), "\(step.plugin).\(step.action)", "\(step.attempts)", step.detail ?? ""]
            }
            for line in InspectFormat.table(["STEP", "SINCE", "ACTION", "ATTEMPTS", "REASON"], rows) { Console.line(line) }
            if dead.isEmpty { Console.line("(no dead letters)") }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue dead-lettered actions again, with their attempts reset, under their original key.",
            discussion: "A running bot picks them up within a second; otherwise they run at its next start."
        )

        @OptionGroup var options: StoreOptions
        @Argument(help: "Step ids (from `dead-letters list`).")
        var steps: [String] = []
        @Flag(name: .long, help: "Every dead letter.")
        var all = false

        func validate() throws {
            if steps.isEmpty, !all { throw ValidationError("name step ids, or --all") }
        }

        func run() async throws {
            let store = try await options.open(logger: Logger(label: "avala-bot.dead-letters"))
            var ids = steps
            if all { ids += try await store.deadLetters(limit: 100_000).map(\.stepID) }
            var missing: [String] = []
            for id in ids {
                if try await store.retryDeadLetter(stepID: id, now: Date()) {
                    Console.line(options.json ? InspectFormat.jsonLine(["step": .string(id), "status": "queued"]) : "queued \(id) again")
                } else {
                    missing.append(id)
                }
            }
            if !missing.isEmpty {
                throw CommandFailure("not dead-lettered (or unknown): \(missing.joined(separator: ", ")); `dead-letters list` shows them")
            }
            if ids.isEmpty, !options.json { Console.line("(no dead letters)") }
        }
    }
}
