import AlertPlugin
import ArgumentParser
import BotEngine
import BotKit
import Foundation
import Logging

/// `avala-bot silences list | add | expire`: the alert plugin's silences kept in the store, beside the
/// ones written in `plugins.alert.silences` (which only the config changes).
struct SilencesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silences",
        abstract: "List, add and expire alert silences.",
        subcommands: [List.self, Add.self, Expire.self]
    )

    static func state(_ options: StoreOptions) async throws -> StoredPluginState {
        StoredPluginState(store: try await options.open(logger: logger), plugin: "alert")
    }

    /// ``state(_:)`` for `list`, read only, with the config it has read already.
    static func state(_ options: StoreOptions, config: LoadedConfiguration?) async throws -> StoredPluginState {
        StoredPluginState(store: try await options.open(logger: logger, config: config, readOnly: true), plugin: "alert")
    }

    private static var logger: Logger { Logger(label: "avala-bot.silences") }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Silences from the store and the config; expired ones are marked.")

        @OptionGroup var options: StoreOptions

        func run() async throws {
            let now = Date()
            // Read once: for the store's path and for the silences written in it.
            let loaded = options.loadConfig()
            let stored = try await AlertSilence.list(in: try await SilencesCommand.state(options, config: loaded))
            let configured = SilencesCommand.configured(in: loaded)
            let all = stored.map { ($0, "store") } + configured.map { ($0, "config") }
            if options.json {
                for (silence, origin) in all {
                    var object = silence.json.objectValue ?? [:]
                    object["origin"] = .string(origin)
                    object["active"] = .bool(silence.isActive(at: now))
                    Console.line(InspectFormat.jsonLine(.object(object)))
                }
                return
            }
            let rows = all.map { silence, origin in
                [
                    silence.id, origin, silence.isActive(at: now) ? InspectFormat.time(silence.until) : "expired",
                    silence.matchers.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "), silence.comment,
                ]
            }
            for line in InspectFormat.table(["ID", "FROM", "UNTIL", "MATCHERS", "COMMENT"], rows) { Console.line(line) }
            if all.isEmpty { Console.line("(no silences)") }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Silence alerts whose event matches every --match, for a while.",
            discussion: """
                Example: avala-bot silences add --match event.type=export.failed --match 'project.name=prod-*' \
                --for 2h --comment "export workers being replaced"
                """
        )

        @OptionGroup var options: StoreOptions
        @Option(name: .long, help: "PATH=VALUE on the event (a value with * is a glob); repeat for several.")
        var match: [String] = []
        @Option(name: .customLong("for"), help: "How long: 30m, 2h, 1d.")
        var duration: String?
        @Option(name: .long, help: "Until this ISO-8601 time instead of --for.")
        var until: String?
        @Option(name: .long, help: "Why; shown by `silences list` and in skipped alerts.")
        var comment = ""

        /// Checked here rather than in `run`: a `ValidationError` thrown from `run` is shown with the
        /// top-level usage instead of this command's.
        func validate() throws {
            if match.isEmpty { throw ValidationError("give at least one --match PATH=VALUE") }
            if (duration == nil) == (until == nil) { throw ValidationError("give --for DURATION or --until TIME") }
            _ = try parsed(now: Date())
        }

        /// The matchers and the end time, or a `ValidationError` naming the option at fault.
        private func parsed(now: Date) throws -> (matchers: [String: String], end: Date) {
            var matchers: [String: String] = [:]
            for item in match {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw ValidationError("--match \(item): expected PATH=VALUE, like event.type=export.failed")
                }
                if let problem = AlertSilence.pathProblem(parts[0]) { throw ValidationError("--match \(item): \(problem)") }
                if let problem = Self.valueProblem(path: parts[0], value: parts[1]) { throw ValidationError("--match \(item): \(problem)") }
                // Kept as one of the two, the silence would not be the one asked for: say so instead.
                if let earlier = matchers[parts[0]] {
                    throw ValidationError(
                        "--match \(item): \(parts[0]) is matched already (--match \(parts[0])=\(earlier)), and a silence holds only when every --match does; for either value, add two silences, or one with a glob (a value with *)"
                    )
                }
                matchers[parts[0]] = parts[1]
            }
            let end: Date
            if let duration {
                do {
                    end = now.addingTimeInterval(Double(try ConfigDuration.parse(duration).components.seconds))
                } catch {
                    throw ValidationError("--for \(duration): \(error.message)")
                }
            } else {
                do {
                    end = try AlertSilence.until(until ?? "")
                } catch {
                    throw ValidationError("--until \(until ?? ""): \(error.message)")
                }
            }
            guard end > now else {
                throw ValidationError("\(duration.map { "--for \($0)" } ?? "--until \(until ?? "")"): the silence would already be over")
            }
            return (matchers, end)
        }

        /// Why `value` is not one a silence can hold, or nil. A silence compares the event's value with its
        /// own, as written (a glob when it contains `*`): a rule's `where` operator (`{glob: prod-*}`), a
        /// list or a template would be stored as that text and never match, so it is refused, saying what
        /// to write. PRODUCT.md gives operators to rules only, and a config silence refuses them too.
        static func valueProblem(path: String, value: String) -> String? {
            let text = value.trimmingCharacters(in: .whitespaces)
            let compared = "a silence compares the value as written (a glob when it contains *)"
            if text.hasPrefix("{{"), text.hasSuffix("}}") {
                return "\(compared); a template is not filled in: write the value itself"
            }
            if text.hasPrefix("{"), text.hasSuffix("}") {
                let pairs = Self.entries(text.dropFirst().dropLast()).map { entry in
                    entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"'")) }
                }
                let keys = pairs.compactMap { $0.first.flatMap { $0.isEmpty ? nil : "'\($0)'" } }.joined(separator: ", ")
                let written = keys.isEmpty ? "" : " (\(keys))"
                // `{glob: prod-*}` as a rule's `where` takes it: the same glob is written bare.
                if let glob = pairs.first(where: { $0.count == 2 && $0[0] == "glob" })?[1], !glob.isEmpty {
                    // Only `*` is a wildcard in a silence: a rule's `?` or `[…]` would be compared as text.
                    guard glob.contains(where: { "?[\\".contains($0) }) else {
                        return "\(compared), not an operator\(written) as in a rule's where: write --match '\(path)=\(glob)'"
                    }
                    return "\(compared), not an operator\(written) as in a rule's where, and its only wildcard is *: write --match '\(path)=VALUE'"
                }
                return "\(compared), not a mapping or an operator\(written) as in a rule's where: write --match '\(path)=VALUE'"
            }
            if text.hasPrefix("["), text.hasSuffix("]") {
                return
                    "\(compared), not a list: a silence holds only when every --match does, so for any of several values add a silence for each, or one with a glob"
            }
            return nil
        }

        /// A flow mapping's inside split at its own commas, not those of a list or mapping within it
        /// (`in: [coco, yolo]` is one entry).
        private static func entries(_ text: Substring) -> [Substring] {
            var entries: [Substring] = []
            var depth = 0
            var start = text.startIndex
            for index in text.indices {
                switch text[index] {
                case "[", "{": depth += 1
                case "]", "}": depth -= 1
                case "," where depth == 0:
                    entries.append(text[start..<index])
                    start = text.index(after: index)
                default: break
                }
            }
            return entries + [text[start...]]
        }

        func run() async throws {
            let now = Date()
            let (matchers, end) = try parsed(now: now)
            for item in match {
                // Added all the same (an event type this version does not know may carry it), but said.
                let path = String(item.prefix { $0 != "=" })
                if let problem = EventBodyKeys.neverCarried(path) {
                    Console.note("warning: --match \(item): \(problem), so no alert's event matches it")
                }
            }
            let silence = try await AlertSilence.add(
                AlertSilence(matchers: matchers, until: end, comment: comment),
                to: try await SilencesCommand.state(options),
                now: now
            )
            if options.json {
                var object = silence.json.objectValue ?? [:]
                object["origin"] = "store"
                object["active"] = .bool(silence.isActive(at: now))
                Console.line(InspectFormat.jsonLine(.object(object)))
            } else {
                Console.line("silence \(silence.id) until \(InspectFormat.time(silence.until))")
            }
        }
    }

    struct Expire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a silence now (one from the store; config silences end with the config).")

        @OptionGroup var options: StoreOptions
        @Argument(help: "The silence id (from `silences list`).")
        var id: String

        func run() async throws {
            guard try await AlertSilence.expire(id: id, in: try await SilencesCommand.state(options), now: Date()) else {
                if SilencesCommand.configured(in: options.loadConfig()).contains(where: { $0.id == id }) {
                    throw CommandFailure("silence \(id) is written in the config (plugins.alert.silences): it ends when it is removed from there")
                }
                throw CommandFailure("no stored silence \(id); `silences list` shows them")
            }
            Console.line(options.json ? InspectFormat.jsonLine(["id": .string(id), "expired": true]) : "silence \(id) expired")
        }
    }

    /// The silences written in the config (read without resolving references); none without a config.
    /// A `${…}` in a silence is resolved from the environment, as `run` would resolve it; one that
    /// cannot be read is named on standard error rather than left out without a word.
    static func configured(in loaded: LoadedConfiguration?, environment: [String: String] = ProcessInfo.processInfo.environment) -> [AlertSilence] {
        guard let items = loaded?.configuration.plugins?["alert"]?["silences"]?.items else { return [] }
        let references = ConfigSource(environment: environment)
        return items.enumerated().compactMap { index, node in
            do {
                return try AlertSilence(json: resolved(node, references), defaultID: "config-\(index + 1)")
            } catch {
                Console.note("warning: \(node.location) plugins.alert.silences[\(index)] is not listed: \(error) (check-config says more)")
                return nil
            }
        }
    }

    /// `node` as JSON with each `${…}` scalar replaced by its value (left as written when it has none).
    private static func resolved(_ node: ConfigNode, _ references: ConfigSource) -> JSON {
        switch node {
        case .scalar(let text, _, _):
            guard node.isUnresolvedReference else { return node.json }
            return .string(references.resolvedValue(text) ?? text)
        case .sequence(let items, _): return .array(items.map { resolved($0, references) })
        case .mapping(let entries, _):
            return .object(Dictionary(entries.map { ($0.key, resolved($0.value, references)) }, uniquingKeysWith: { first, _ in first }))
        }
    }
}
