/// A bot plugin: a small value that declares what it does; the dispatcher owns the loop, the retries,
/// the journal and the context.
///
/// ```swift
/// struct LogPlugin: BotPlugin {
///     static let name = "log"
///     static let actions = [ActionSpec("write", main: true, parameters: [ParameterSpec("message", .string, required: true)])]
///     static let configKeys: [ParameterSpec] = []
///     static let avalaScopes: Set<AvalaScope> = []
///     init(config: PluginConfig) throws {}
///     func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
///         context.logger.info("\(request.parameters["message"]?.text ?? "")")
///         return .done("logged")
///     }
/// }
/// ```
public protocol BotPlugin: Sendable {
    /// The key under `do:` (`invite`), and under `plugins:` for its config.
    static var name: String { get }
    /// Every action, each with its parameters; exactly one is `main`.
    static var actions: [ActionSpec] { get }
    /// What `plugins.<name>` may hold.
    static var configKeys: [ParameterSpec] { get }
    /// The Avala API actions the plugin may call through its context; nothing else is reachable.
    static var avalaScopes: Set<AvalaScope> { get }
    /// Whether the plugin sends HTTP requests of its own (receivers, forward targets); without it,
    /// `context.http` refuses every request.
    static var usesOutboundHTTP: Bool { get }
    /// - Throws: ``PluginConfigError`` naming the key that is wrong.
    init(config: PluginConfig) throws
    /// What is wrong with an action's literal parameters given this plugin's config (a receiver that
    /// is not configured): `check-config` reports each with the parameter's line. Has a no-op default;
    /// see ``BotPlugin/literalParameterProblems(action:parameters:)``.
    func literalParameterProblems(action: String, parameters: [String: JSON]) -> [ParameterProblem]
    /// The names a parameter must be one of given this plugin's config (the configured receivers, for
    /// `receiver`), or nil when it names nothing: a templated value is checked against them at load.
    /// Has a nil default; see ``BotPlugin/configuredNames(action:parameter:)``.
    func configuredNames(action: String, parameter: String) -> [String]?
    /// Runs one action. Throwing counts as a transient failure (retried); return `.failed` for a
    /// permanent one.
    func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome
    /// The dispatcher stopped running one of the plugin's actions without `perform` having said so: the
    /// action is dead-lettered (its attempts ran out, a required parameter now renders empty, its rule or
    /// its place in the rule is gone after a reload), a reload gave its place in the rule to another
    /// action, or it waits because its rule does not produce it for its event any more. Let go of
    /// whatever is kept for it in `state`; `perform` is called again for it only if it runs again (its
    /// rule produces it again, `dead-letters retry`).
    ///
    /// `context.idempotencyKey` names the action, as it did in `perform`. The context has no Avala actions
    /// and no outbound HTTP: this is bookkeeping, and an action given up on must not act. The call comes
    /// before the dispatcher journals the action's new state, so after a crash it comes again: it must be
    /// idempotent. The default does nothing. A `.failed` that `perform` returned is not reported here.
    ///
    /// ```swift
    /// func abandoned(action: String, reason: String, context: PluginContext) async throws {
    ///     // What waits to be sent together is kept by idempotency key: this one must not go out.
    ///     let key = context.idempotencyKey
    ///     try await context.state.update("waiting") { current in
    ///         guard var waiting = current?.objectValue else { return current }
    ///         waiting[key] = nil
    ///         return .object(waiting)
    ///     }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - action: The action's name (`send`), as in ``ActionRequest/action``.
    ///   - reason: Why the dispatcher stopped, for the plugin's log.
    /// - Throws: Any error is logged; it does not hold the action back.
    func abandoned(action: String, reason: String, context: PluginContext) async throws
}

extension BotPlugin {
    public static var usesOutboundHTTP: Bool { false }

    /// Nothing kept per action, nothing to let go of.
    public func abandoned(action: String, reason: String, context: PluginContext) async throws {}

    /// The action written as `plugin:` alone.
    public static var mainAction: ActionSpec? { actions.first(where: \.isMain) }

    public static func action(named name: String) -> ActionSpec? { actions.first { $0.name == name } }
}

/// A plugin config value that is wrong: `key` is the path below `plugins.<name>`.
public struct PluginConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public var key: String
    public var message: String
    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }
    public var description: String { "\(key): \(message)" }
}
