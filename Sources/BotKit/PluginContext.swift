public import Foundation
public import Logging

/// What a plugin may use while it acts, and nothing more: no key, no HTTP client, no store.
public struct PluginContext: Sendable {
    /// Bound to the event, rule and plugin (`event.id`, `rule.name`, `plugin.name` in metadata).
    public var logger: Logger
    public var config: PluginConfig
    /// `simulate` and dry-run mode: decide and describe, change nothing.
    public var dryRun: Bool
    /// Stable for this event, rule and action index: the same on every retry and after a crash.
    public var idempotencyKey: String
    /// An intent was journaled for this key but no outcome: a previous attempt may have acted before it
    /// could record so. Check the API's state before acting again.
    public var resuming: Bool
    /// How many times this action was tried before (0 on the first run).
    public var attempt: Int
    /// Avala, limited to the plugin's declared scopes.
    public var avala: any AvalaActions
    /// A small key-value store for this plugin, kept in the event store.
    public var state: any PluginState
    /// Outbound HTTP for receivers, with timeouts.
    public var http: any OutboundHTTP
    /// The time now, injectable for tests.
    public var now: @Sendable () -> Date
    /// The longest the dispatcher waits before a retry (`dispatcher.backoff.max`): a pause a receiver
    /// asks for is honoured up to this, never longer (see ``RetryAfter``).
    public var maxRetryDelay: Duration

    public init(
        logger: Logger,
        config: PluginConfig,
        dryRun: Bool,
        idempotencyKey: String,
        resuming: Bool = false,
        attempt: Int = 0,
        avala: any AvalaActions = NoAvalaActions(),
        state: any PluginState = MemoryPluginState(),
        http: any OutboundHTTP = NoOutboundHTTP(),
        now: @escaping @Sendable () -> Date = { Date() },
        maxRetryDelay: Duration = .seconds(600)
    ) {
        self.logger = logger
        self.config = config
        self.dryRun = dryRun
        self.idempotencyKey = idempotencyKey
        self.resuming = resuming
        self.attempt = attempt
        self.avala = avala
        self.state = state
        self.http = http
        self.now = now
        self.maxRetryDelay = maxRetryDelay
    }
}
