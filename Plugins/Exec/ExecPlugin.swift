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
///     max_output: 65536          # bytes kept of each of stdout and stderr; default 64 KiB
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
public struct ExecPlugin: BotPlugin {
    public static let name = "exec"
    public static let actions = [
        ActionSpec(
            "run",
            main: true,
            parameters: [
                ParameterSpec("command", .string, required: true, summary: "The name of a command under plugins.exec.commands."),
                ParameterSpec("args", .list, summary: "Arguments appended after the command's configured args; templates."),
            ],
            summary: "Run a configured program with the event as JSON on stdin."
        )
    ]
    public static let configKeys = [
        ParameterSpec("commands", .object, required: true, summary: "Name → {path, args, env, timeout}."),
        ParameterSpec("max_output", .int, summary: "Bytes kept of each of stdout and stderr; default 65536."),
    ]
    public static let avalaScopes: Set<AvalaScope> = []

    static let defaultMaxOutput = 65_536
    /// Exit status asking for a retry (sysexits.h `EX_TEMPFAIL`).
    static let temporaryFailure: Int32 = 75
    /// At most this many characters of a stream go into an outcome, which is journaled, logged ("Action
    /// finished") and shown on /status: a program that echoes its input would otherwise put the whole
    /// event there, member emails included. The full output is the program's to log where it belongs.
    static let excerptLimit = 200

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
        maxOutput = try config.int("max_output") ?? Self.defaultMaxOutput
        guard maxOutput > 0 else { throw PluginConfigError(key: "max_output", "must be at least 1 byte") }
        redactor = OutputRedactor(config.referencedValues)
    }

    /// A command named without a template must be configured: a typo would otherwise dead-letter every run.
    public func literalParameterProblems(action: String, parameters: [String: JSON]) -> [ParameterProblem] {
        guard let name = parameters["command"]?.stringValue, !name.isEmpty, commands[name] == nil else { return [] }
        return [ParameterProblem("command", unknownCommand(name))]
    }

    /// Said the same at load and when an action runs.
    func unknownCommand(_ name: String) -> String {
        "unknown command '\(name)'; configured: \(commands.keys.sorted().joined(separator: ", "))"
    }

    public func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        guard let name = request.string("command") else { return .failed("command rendered empty") }
        guard let command = commands[name] else { return .failed(unknownCommand(name)) }
        let extra = Self.arguments(request.parameters["args"])
        if context.dryRun {
            return .done(extra.isEmpty ? "would run \(name)" : "would run \(name) with arguments: \(extra.joined(separator: " "))")
        }
        let runner = CommandRunner(
            path: command.path,
            arguments: command.args + extra,
            environment: ExecEnvironment.variables(for: command, request: request, context: context),
            timeout: command.timeout,
            outputLimit: maxOutput
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
                "exec.stderr": "\(Self.excerpt(result.stderr, redactor: redactor))",
            ]
        )
        return Self.outcome(name: name, timeout: command.timeout, result: result, redactor: redactor)
    }

    static func outcome(name: String, timeout: Duration, result: CommandRunner.Result, redactor: OutputRedactor) -> ActionOutcome {
        let stdout = excerpt(result.stdout, redactor: redactor)
        let stderr = excerpt(result.stderr, redactor: redactor)
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

    /// The end of a stream as trimmed text, at most ``excerptLimit`` characters: all of a short output,
    /// else "…" and its last lines (the last line's end when that alone is too long). Referenced config
    /// values are taken out first, so that a cut cannot leave part of one.
    static func excerpt(_ output: OutputDrain.Output, redactor: OutputRedactor) -> String {
        let tail = String(decoding: output.tail, as: UTF8.self)
        let text = redactor.redact(tail, cutAtStart: output.total > output.tail.count).trimmingCharacters(in: .whitespacesAndNewlines)
        if output.total <= output.tail.count, text.count <= excerptLimit { return text }
        guard !text.isEmpty else { return "" }
        var excerpt = text.suffix(excerptLimit - 1)
        // Start at a line's start when one falls inside, rather than half-way through a line.
        if let newline = excerpt.firstIndex(where: \.isNewline) {
            let rest = excerpt[excerpt.index(after: newline)...].drop { $0.isWhitespace }
            if !rest.isEmpty { excerpt = rest }
        }
        return "…" + excerpt
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
