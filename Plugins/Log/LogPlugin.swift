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
                    choices: ["debug", "info", "notice", "warning"],
                    summary: "Log level; default info."
                ),
            ],
            summary: "Write a message to the log."
        )
    ]
    public static let configKeys: [ParameterSpec] = []
    public static let avalaScopes: Set<AvalaScope> = []

    public init(config: PluginConfig) throws {}

    public func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        guard let message = request.string("message") else { return .failed("message rendered empty") }
        let level = request.string("level").flatMap(Logger.Level.init(rawValue:)) ?? .info
        if context.dryRun { return .done("would log: \(message)") }
        context.logger.log(level: level, "\(message)", metadata: ["log.rule": "\(request.rule)"])
        return .done("logged: \(message)")
    }
}
