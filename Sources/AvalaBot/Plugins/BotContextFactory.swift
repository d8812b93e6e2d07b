import AsyncHTTPClient
import AvalaAPI
import BotEngine
import BotKit

/// Gives each plugin its narrow context: the Avala actions of its declared scopes, outbound HTTP only
/// if it declared that, and dry-run enforced in both.
struct BotContextFactory: PluginContextFactory {
    let client: AvalaClient?
    let store: any EventStore
    let http: HTTPClient?
    let plugins: [String: any BotPlugin]

    func context(plugin: String, request: ActionRequest, base: PluginContext) -> PluginContext {
        guard let loaded = plugins[plugin] else { return base }
        let type = type(of: loaded)
        var context = base
        if let client, !type.avalaScopes.isEmpty {
            context.avala = ScopedAvalaActions(client: client, store: store, scopes: type.avalaScopes, dryRun: base.dryRun)
        }
        if let http, type.usesOutboundHTTP {
            context.http = HTTPOutbound(client: http, dryRun: base.dryRun)
        }
        return context
    }
}
