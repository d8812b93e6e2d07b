public import BotKit

/// `alert`: being written in a scratch package; replaced when it lands.
public struct AlertPlugin: BotPlugin {
    public static let name = "alert"
    public static let actions = [ActionSpec("send", main: true, parameters: [])]
    public static let configKeys: [ParameterSpec] = []
    public static let avalaScopes: Set<AvalaScope> = []
    public init(config: PluginConfig) throws {}
    public func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        .failed("the alert plugin is not available yet")
    }
}
