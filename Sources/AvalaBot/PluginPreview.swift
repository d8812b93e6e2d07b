import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Logging

/// What each matched action's plugin says it would do, for `simulate`: the plugin is asked in a dry run
/// (``PluginContext/dryRun``), so its own checks answer — an address outside the allowed domains, a
/// chain at its depth limit, a receiver or target that is not configured, someone already a member —
/// and nothing changes.
///
/// Its context is a dry run's: Avala behind the plugin's declared scopes with every change refused, no
/// outbound HTTP, and the plugin's state as the config's store has it (silences added with `avala-bot
/// silences`, alert groups waiting), read only, with what the dry run writes kept in memory. Offline
/// there is no Avala at all: a plugin whose checks read it cannot tell, and says so.
struct PluginPreview {
    /// How the plugin answered.
    struct Verdict: Hashable, Sendable {
        enum Kind: Hashable, Sendable {
            case wouldRun, skipped, failed, waits, unknown
        }

        var kind: Kind
        var text: String
    }

    let plugins: [String: any BotPlugin]
    /// Nil offline, or without an API key.
    let client: AvalaClient?
    let logger: Logger
    /// By plugin, its state over the store's (``OverlayPluginState``): one per plugin for the whole run,
    /// so a later action sees what an earlier one would have written.
    let states: [String: OverlayPluginState]

    /// - Parameter store: the config's store opened read only; nil when there is none yet.
    init(plugins: [String: any BotPlugin], client: AvalaClient?, store: (any EventStore)? = nil, logger: Logger) {
        self.plugins = plugins
        self.client = client
        self.logger = logger
        states = plugins.keys.reduce(into: [:]) { states, name in
            states[name] = OverlayPluginState(base: store.map { StoredPluginState(store: $0, plugin: name) })
        }
    }

    func verdict(for action: PlannedAction, event: Event) async -> Verdict {
        if let failure = action.requiredFailure { return Verdict(kind: .failed, text: "would fail: \(failure)") }
        guard let plugin = plugins[action.plugin] else {
            return Verdict(kind: .unknown, text: "plugin '\(action.plugin)' is not loaded")
        }
        let type = type(of: plugin)
        var context = PluginContext(
            logger: logger,
            config: PluginConfig(),
            dryRun: true,
            idempotencyKey: "simulate/\(event.id)/\(action.rule)/\(action.actionIndex)",
            state: states[action.plugin] ?? OverlayPluginState(base: nil)
        )
        if let client, !type.avalaScopes.isEmpty {
            context.avala = ScopedAvalaActions(client: client, store: nil, scopes: type.avalaScopes, dryRun: true)
        }
        do {
            switch try await plugin.perform(action.request(for: event), context: context) {
            case .done(let text): return Verdict(kind: .wouldRun, text: text)
            case .skipped(let reason): return Verdict(kind: .skipped, text: "would be skipped: \(reason)")
            case .failed(let reason): return Verdict(kind: .failed, text: "would fail: \(reason)")
            case .deferred(_, let reason), .retry(_, let reason): return Verdict(kind: .waits, text: "would wait: \(reason)")
            }
        } catch is ActionError where client == nil && !type.avalaScopes.isEmpty {
            // Offline, the context has no Avala: the refusal is of this dry run, not of the action.
            return Verdict(kind: .unknown, text: "not checked: the plugin reads Avala first, and no API call is made offline")
        } catch let error as ActionError where error.isPermanent {
            return Verdict(kind: .failed, text: "would fail: \(error.message)")
        } catch {
            return Verdict(kind: .unknown, text: "the plugin could not tell: \(error)")
        }
    }
}
