public import BotKit
import Logging

/// `log`: writes a templated `message` to the bot's log — for trying rules before they act on Avala.
///
/// ```yaml
/// do:
///   - log: { message: "export {{export.uid}} of {{project.name}} is {{export.status}}" }
/// ```
public struct LogPlugin: BotPlugin {
    public static let name = "log"
    public static let actions = [
        ActionSpec(
            "write",
            main: true,
            parameters: [
                ParameterSpec("message", .string, required: true, summary: "The text to log; a template."),
                ParameterSpec(
                    "level",
                    .string,
                    choices: LogPlugin.levels,
                    summary: "Log level; default info."
                ),
            ],
            summary: "Write a message to the log."
        )
    ]
    public static let configKeys: [ParameterSpec] = []
    /// The levels a rule may log at: error and above are the bot's own, for what an operator must act on.
    static let levels = ["debug", "info", "notice", "warning"]
    public static let avalaScopes: Set<AvalaScope> = []

    public init(config: PluginConfig) throws {}

    public func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        guard let message = request.string("message") else { return .failed("message rendered empty") }
        // A literal level is checked at load; a templated one only now. As the invite's role: a level
        // outside the choices fails the action, rather than logging at a level the rule did not ask for.
        let levelName = request.string("level") ?? "info"
        guard Self.levels.contains(levelName), let level = Logger.Level(rawValue: levelName) else {
            return .failed("level '\(levelName)' is not one of: \(Self.levels.joined(separator: ", "))")
        }
        if context.dryRun { return .done("would log: \(Self.outcomeText(message))") }
        context.logger.log(level: level, "\(message)", metadata: ["log.rule": "\(request.rule)"])
        return .done("logged: \(Self.outcomeText(message))")
    }

    /// The most characters of the message an outcome repeats: outcomes are journaled, logged and shown
    /// on /status, where a rendered event body would be out of place; the log line has it whole.
    static let maxOutcomeCharacters = 500

    /// `message` as the outcome repeats it: whole up to ``maxOutcomeCharacters``, else cut there (on a
    /// character, so a flag or an accented letter is never split) and followed by "…".
    static func outcomeText(_ message: String) -> String {
        guard message.count > maxOutcomeCharacters else { return message }
        return message.prefix(maxOutcomeCharacters) + "…"
    }
}
