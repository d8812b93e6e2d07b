import BotKit

/// Small plugins with the shapes of the real ones, so `do:` validation has real specs to check against.
struct TestInvitePlugin: BotPlugin {
    static let name = "invite"
    static let actions = [
        ActionSpec(
            "send",
            main: true,
            parameters: [
                ParameterSpec("organization", .string, required: true),
                ParameterSpec("email", .string, required: true),
                ParameterSpec("role", .string, choices: ["owner", "admin", "member"]),
            ]
        ),
        ActionSpec(
            "resend",
            parameters: [ParameterSpec("organization", .string, required: true), ParameterSpec("uid", .string, required: true)]
        ),
    ]
    static let configKeys: [ParameterSpec] = []
    static let avalaScopes: Set<AvalaScope> = []
    init(config: PluginConfig) throws {}
    func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome { .done("invited") }
}

struct TestExportPlugin: BotPlugin {
    static let name = "export"
    static let actions = [
        ActionSpec(
            "create",
            main: true,
            parameters: [
                ParameterSpec("project", .string, required: true),
                ParameterSpec("format", .string),
                ParameterSpec("follow", .bool),
                ParameterSpec("max_items", .int),
            ]
        )
    ]
    static let configKeys: [ParameterSpec] = []
    static let avalaScopes: Set<AvalaScope> = []
    init(config: PluginConfig) throws {}
    func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome { .done("exported") }
}

struct TestAlertPlugin: BotPlugin {
    static let name = "alert"
    static let actions = [
        ActionSpec(
            "send",
            main: true,
            parameters: [
                ParameterSpec("receiver", .string, required: true),
                ParameterSpec("text", .string),
                ParameterSpec("group_by", .list),
                ParameterSpec("group_wait", .duration),
                ParameterSpec("threshold", .number),
                ParameterSpec("labels", .object),
                ParameterSpec("payload", .any),
                ParameterSpec("severity", .list, choices: ["info", "warning", "critical"]),
            ]
        )
    ]
    static let configKeys: [ParameterSpec] = []
    static let avalaScopes: Set<AvalaScope> = []
    init(config: PluginConfig) throws {}
    func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome { .done("alerted") }
}

struct TestLogPlugin: BotPlugin {
    static let name = "log"
    static let actions = [ActionSpec("write", main: true, parameters: [ParameterSpec("message", .string, required: true)])]
    static let configKeys: [ParameterSpec] = []
    static let avalaScopes: Set<AvalaScope> = []
    init(config: PluginConfig) throws {}
    func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome { .done("logged") }
}

/// A plugin without a main action: `exec:` alone is an error, `exec.run:` is fine.
struct TestExecPlugin: BotPlugin {
    static let name = "exec"
    static let actions = [
        ActionSpec("run", parameters: [ParameterSpec("command", .string, required: true), ParameterSpec("args", .list, arguments: true)])
    ]
    static let configKeys: [ParameterSpec] = []
    static let avalaScopes: Set<AvalaScope> = []
    init(config: PluginConfig) throws {}
    func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome { .done("ran") }
}
