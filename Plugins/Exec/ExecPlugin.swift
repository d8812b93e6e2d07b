public import BotKit

/// `exec`: being written in a scratch package; replaced when it lands.
public struct ExecPlugin: BotPlugin {
    public static let name = "exec"
    public static let actions = [ActionSpec("send", main: true, parameters: [])]
    public static let configKeys: [ParameterSpec] = []
    public static let avalaScopes: Set<AvalaScope> = []
    public init(config: PluginConfig) throws {}
    public func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        .failed("the exec plugin is not available yet")
    }
}
