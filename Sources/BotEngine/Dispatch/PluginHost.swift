public import BotKit
import Logging
import Synchronization

/// The plugins the dispatcher can run, each instantiated with its validated config, and how their
/// contexts are made. The plugin set is replaced whole when the config is reloaded (SIGHUP).
public final class PluginHost: Sendable {
    private let loaded: Mutex<[String: any BotPlugin]>
    public let contexts: any PluginContextFactory

    public init(plugins: [String: any BotPlugin], contexts: any PluginContextFactory) {
        loaded = Mutex(plugins)
        self.contexts = contexts
    }

    public var plugins: [String: any BotPlugin] { loaded.withLock { $0 } }

    public func replace(with plugins: [String: any BotPlugin]) {
        loaded.withLock { $0 = plugins }
    }
}

/// Makes the narrow context a plugin acts through: AvalaBot's factory adds the Avala actions of the
/// plugin's declared scopes and outbound HTTP.
public protocol PluginContextFactory: Sendable {
    func context(plugin: String, request: ActionRequest, base: PluginContext) -> PluginContext
}

/// Contexts with no Avala actions and no outbound HTTP: enough for `log` and for tests.
public struct BasicContextFactory: PluginContextFactory {
    public init() {}
    public func context(plugin: String, request: ActionRequest, base: PluginContext) -> PluginContext { base }
}

/// A plugin's state, kept in the event store.
public struct StoredPluginState: PluginState {
    let store: any EventStore
    let plugin: String

    /// The state of `plugin` in `store` (also for the CLI: `silences` writes the alert plugin's).
    public init(store: any EventStore, plugin: String) {
        self.store = store
        self.plugin = plugin
    }

    public func get(_ key: String) async throws -> JSON? { try await store.pluginState(plugin: plugin, key: key) }
    public func set(_ key: String, _ value: JSON) async throws { try await store.setPluginState(plugin: plugin, key: key, value: value) }
    public func remove(_ key: String) async throws { try await store.setPluginState(plugin: plugin, key: key, value: nil) }
    @discardableResult
    public func update(_ key: String, _ transform: @escaping @Sendable (JSON?) throws -> JSON?) async throws -> JSON? {
        try await store.updatePluginState(plugin: plugin, key: key, transform)
    }
}
