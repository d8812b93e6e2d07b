public import BotKit

/// `forward`: being written in a scratch package; replaced when it lands.
public struct ForwardPlugin: BotPlugin {
    public static let name = "forward"
    public static let actions = [ActionSpec("send", main: true, parameters: [])]
    public static let configKeys: [ParameterSpec] = []
    public static let avalaScopes: Set<AvalaScope> = []
    public init(config: PluginConfig) throws {}
    public func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        .failed("the forward plugin is not available yet")
    }
}
