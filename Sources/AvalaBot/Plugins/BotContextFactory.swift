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
    /// The plugin types by name: scopes are declared by the type, so a reload that brings a plugin in
    /// needs nothing here.
    let types: [String: any BotPlugin.Type]

    init(client: AvalaClient?, store: any EventStore, http: HTTPClient?, types: [any BotPlugin.Type] = ConfigLoader.availablePlugins) {
        self.client = client
        self.store = store
        self.http = http
        self.types = Dictionary(types.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func context(plugin: String, request: ActionRequest, base: PluginContext) -> PluginContext {
        guard let type = types[plugin] else { return base }
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
