public import BotKit
import Foundation
import Logging

/// `exec`: runs a configured program with the event as JSON on its standard input — any language.
///
/// Rules name a command from the config, never a shell line, and the program is started directly
/// (no shell): a template can add arguments but cannot change what runs.
///
/// ```yaml
/// plugins:
///   exec:
///     max_output: 4KiB           # of the end of stdout (or stderr) kept in the outcome; default 200
///     commands:
///       notify:
///         path: /usr/local/bin/notify-team
///         args: ["--channel", "labeling"]
///         env: { TEAM_TOKEN: "${TEAM_TOKEN}" }
///         timeout: 30s
/// rules:
///   - on: export.completed
///     do:
///       - exec: { command: notify, args: ["{{export.uid}}"] }
/// ```
///
/// The program gets only its configured `env`, plus `AVALA_BOT_EVENT_ID`, `AVALA_BOT_EVENT_TYPE`,
/// `AVALA_BOT_RULE`, `AVALA_BOT_IDEMPOTENCY_KEY` (the same on every retry: use it to act once) and
/// `AVALA_BOT_ATTEMPT` (0 on the first run). Exit 0 is done, exit 75 (`EX_TEMPFAIL`) asks for a retry,
/// any other exit or a signal fails the action; a program still running at its timeout is stopped
/// (SIGTERM, then SIGKILL) and retried. The outcome keeps an excerpt of the output, with every value the
/// config took from a `${…}` reference (a token in `env` or `args`) replaced by `[redacted]`.
///
/// An argument that starts with `-` only because of the event's data (`{{export.name}}` rendering
/// `--output=/etc/passwd`) would be read by most programs as an option the event chose: the action fails
/// instead, unless a `--` comes before it (in the rule's `args`, or the command's), after which programs
/// read everything as operands.
public struct ExecPlugin: BotPlugin {
    public static let name = "exec"
    public static let actions = [
        ActionSpec(
            "run",
            main: true,
            parameters: [
                ParameterSpec("command", .string, required: true, summary: "The name of a command under plugins.exec.commands."),
                ParameterSpec(
                    "args",
                    .list,
                    arguments: true,
                    summary: "Arguments appended after the command's configured args; templates."
                ),
            ],
            summary: "Run a configured program with the event as JSON on stdin."
        )
    ]
    public static let configKeys = [
        ParameterSpec("commands", .object, required: true, summary: "Name → {path, args, env, timeout}."),
        ParameterSpec(
            "max_output",
            .size,
            summary: "How much of the end of stdout (stderr on failure) the outcome keeps: a size (4KiB) or bytes; default 200."
        ),
    ]
    public static let avalaScopes: Set<AvalaScope> = []

    /// At most this many bytes of a stream go into an outcome unless `max_output` says otherwise. The
    /// outcome is journaled, logged ("Action finished") and shown on /status: a program that echoes its
    /// input would put the whole event there, member emails included, so the default is short. The full
    /// output is the program's to log where it belongs.
    static let defaultMaxOutput = 200
    /// Read beyond what the excerpt keeps, so that a referenced value the excerpt's start cuts through is
    /// still seen whole, and redacted, before the cut.
    static let redactionContext = 4_096
    /// Exit status asking for a retry (sysexits.h `EX_TEMPFAIL`).
    static let temporaryFailure: Int32 = 75

    let commands: [String: ExecCommand]
    let maxOutput: Int
    /// The config's `${…}` values (env, args), kept out of the output excerpts.
    let redactor: OutputRedactor

    public init(config: PluginConfig) throws {
        guard let section = config["commands"], section != .null else {
            throw PluginConfigError(key: "commands", "required: at least one command (name → {path, args, env, timeout})")
        }
        guard let entries = section.objectValue, !entries.isEmpty else {
            throw PluginConfigError(key: "commands", "expected a mapping of command names to {path, args, env, timeout}")
        }
        commands = try entries.reduce(into: [:]) { commands, entry in
            commands[entry.key] = try ExecCommand(name: entry.key, config: entry.value)
        }
        maxOutput = try config.size("max_output") ?? Self.defaultMaxOutput
        guard maxOutput > 0 else { throw PluginConfigError(key: "max_output", "must be at least 1 byte") }
        redactor = OutputRedactor(config.referencedValues)
    }

    /// A command named without a template must be configured: a typo would otherwise dead-letter every run.
    public func literalParameterProblems(action: String, parameters: [String: JSON]) -> [ParameterProblem] {
        guard let name = parameters["command"]?.stringValue, !name.isEmpty, commands[name] == nil else { return [] }
        return [ParameterProblem("command", unknownCommand(name))]
    }

    /// A templated command name is checked at load against these (its literal start and end).
    public func configuredNames(action: String, parameter: String) -> [String]? {
        parameter == "command" ? commands.keys.sorted() : nil
    }

    /// Said the same at load and when an action runs.
    func unknownCommand(_ name: String) -> String {
        "unknown command '\(name)'; configured: \(commands.keys.sorted().joined(separator: ", "))"
    }

    public func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        guard let name = request.string("command") else { return .failed("command rendered empty") }
        guard let command = commands[name] else { return .failed(unknownCommand(name)) }
        let extra = Self.arguments(request.parameters["args"])
        if let refused = Self.optionFromEvent(command: command, extra: extra, from: request.optionsFromEvent["args"] ?? []) {
            return .failed(refused)
        }
        if context.dryRun {
            return .done(extra.isEmpty ? "would run \(name)" : "would run \(name) with arguments: \(extra.joined(separator: " "))")
        }
        let runner = CommandRunner(
            path: command.path,
            arguments: command.args + extra,
            environment: ExecEnvironment.variables(for: command, request: request, context: context),
            timeout: command.timeout,
            outputLimit: maxOutput > Int.max - Self.redactionContext ? Int.max : maxOutput + Self.redactionContext
        )
        let result: CommandRunner.Result
        do {
            result = try await runner.run(stdin: try request.event.fileData())
        } catch let error as ChildProcess.LaunchError {
            let reason = "could not start \(name): \(error)"
            return error.isBusy ? .retry(after: nil, reason: reason) : .failed(reason)
        }
        context.logger.debug(
            "Command finished",
            metadata: [
                "exec.command": "\(name)", "exec.ending": "\(result.ending)",
                "exec.stdout.bytes": "\(result.stdout.total)", "exec.stderr.bytes": "\(result.stderr.total)",
                "exec.stderr": "\(Self.excerpt(result.stderr, limit: maxOutput, redactor: redactor))",
            ]
        )
        return Self.outcome(name: name, timeout: command.timeout, result: result, limit: maxOutput, redactor: redactor)
    }

    /// - Parameter limit: the most bytes of each stream's end the outcome keeps (`max_output`).
    static func outcome(
        name: String,
        timeout: Duration,
        result: CommandRunner.Result,
        limit: Int,
        redactor: OutputRedactor
    ) -> ActionOutcome {
        let stdout = excerpt(result.stdout, limit: limit, redactor: redactor)
        let stderr = excerpt(result.stderr, limit: limit, redactor: redactor)
        switch result.ending {
        case .exited(.exit(0)):
            return .done("ran \(name)" + (stdout.isEmpty ? "" : ": \(stdout)"))
        case .exited(.exit(temporaryFailure)):
            return .retry(after: nil, reason: "\(name) exited 75 (temporary failure)" + (stderr.isEmpty ? "" : ": \(stderr)"))
        case .exited(.exit(let status)):
            return .failed("\(name) exited with status \(status)" + (stderr.isEmpty ? "" : ": \(stderr)"))
        case .exited(.signal(let signal)):
            return .failed("\(name) was killed by signal \(signal)" + (stderr.isEmpty ? "" : ": \(stderr)"))
        case .exited(.unknown):
            return .failed("\(name) ended, but its exit status was lost" + (stderr.isEmpty ? "" : ": \(stderr)"))
        case .timedOut:
            let reason = "\(name) timed out after \(ConfigDuration.format(timeout)) and was stopped"
            return .retry(after: nil, reason: reason + (stderr.isEmpty ? "" : ": \(stderr)"))
        }
    }

    /// The end of a stream as trimmed text, at most `limit` bytes of UTF-8 (`max_output`): all of a short
    /// output, else "…" in place of a byte, and its last lines (the last line's end when that alone is too
    /// long). Referenced config values are taken out first, so that a cut cannot leave part of one.
    static func excerpt(_ output: OutputDrain.Output, limit: Int, redactor: OutputRedactor) -> String {
        let tail = String(decoding: output.tail, as: UTF8.self)
        let text = redactor.redact(tail, cutAtStart: output.total > output.tail.count).trimmingCharacters(in: .whitespacesAndNewlines)
        if output.total <= output.tail.count, text.utf8.count <= limit { return text }
        guard !text.isEmpty else { return "" }
        var excerpt = Self.suffix(of: text, bytes: limit - 1).drop { $0.isWhitespace }
        // Start at a line's start when one falls inside, rather than half-way through a line.
        if let newline = excerpt.firstIndex(where: \.isNewline) {
            let rest = excerpt[excerpt.index(after: newline)...].drop { $0.isWhitespace }
            if !rest.isEmpty { excerpt = rest }
        }
        return "…" + excerpt
    }

    /// The longest end of `text` of at most `bytes` bytes of UTF-8 that starts on a character.
    static func suffix(of text: String, bytes: Int) -> Substring {
        let utf8 = text.utf8
        guard bytes > 0 else { return text[text.endIndex...] }
        guard utf8.count > bytes else { return text[...] }
        var start = utf8.index(utf8.endIndex, offsetBy: -bytes)
        while start < utf8.endIndex, start.samePosition(in: text) == nil { start = utf8.index(after: start) }
        return text[start...]
    }

    /// Why the run is refused when an argument the event made start with `-` (`fromEvent`, indices into
    /// `extra`) is not preceded by a `--` of the config's or the rule's own; nil when none is.
    static func optionFromEvent(command: ExecCommand, extra: [String], from fromEvent: [Int]) -> String? {
        guard !fromEvent.isEmpty, !command.args.contains("--") else { return nil }
        let eventMade = Set(fromEvent)
        let endOfOptions = extra.indices.first { extra[$0] == "--" && !eventMade.contains($0) } ?? extra.endIndex
        guard let index = fromEvent.sorted().first(where: { $0 < endOfOptions && $0 < extra.count }) else { return nil }
        let value = extra[index]
        let shown = value.count > 40 ? String(value.prefix(40)) + "…" : value
        return "argument \(index + 1) of the rule's args renders to '\(shown)' from the event's data, which \(command.name) would read as an"
            + " option; write \"--\" before it in args (or last in the command's args) if \(command.name) takes what follows as operands"
    }

    /// The `args` parameter: a rendered list, or one rendered value standing for a single argument.
    static func arguments(_ value: JSON?) -> [String] {
        switch value {
        case nil, .null?: []
        case .array(let items)?: items.map(\.text)
        case let value?: [value.text]
        }
    }
}
