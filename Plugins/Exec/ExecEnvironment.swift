import BotKit

/// The environment a command runs with: its configured `env` and the bot's `AVALA_BOT_*` variables,
/// nothing inherited — the bot's own environment holds the API key.
enum ExecEnvironment {
    static let reservedPrefix = "AVALA_BOT_"

    static func variables(for command: ExecCommand, request: ActionRequest, context: PluginContext) -> [String: String] {
        var env = command.env
        env["AVALA_BOT_EVENT_ID"] = request.event.id
        env["AVALA_BOT_EVENT_TYPE"] = request.event.type.rawValue
        env["AVALA_BOT_RULE"] = request.rule
        env["AVALA_BOT_IDEMPOTENCY_KEY"] = context.idempotencyKey
        env["AVALA_BOT_ATTEMPT"] = String(context.attempt)
        return env
    }
}
