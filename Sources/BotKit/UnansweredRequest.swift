public import Foundation

/// A request that creates something (an export, an invitation) whose outcome an action may not learn:
/// the answer never came (a timeout, a lost connection, a 5xx), or a crash cut the attempt off. Avala may
/// still act on such a request after the bot gave up on it, so a new attempt waits until it no longer
/// can — the API's request timeout and ``margin`` after the earlier attempt ended — or there would be two.
///
/// Kept in the plugin's state under the caller's key, as `{at, unanswered_at}` (Unix seconds): `at` when
/// the request was about to be sent, `unanswered_at` when the attempt ended without an answer. The
/// caller removes the key once the outcome is known (created, or refused).
///
/// ```swift
/// if let settled = try await UnansweredRequest.settled(key, context: context), context.now() < settled {
///     return .deferred(until: settled, reason: "an earlier request may still be acted on")
/// }
/// try await UnansweredRequest.begin(key, context: context)
/// do { … } catch { try? await UnansweredRequest.unanswered(key, context: context); throw error }
/// ```
public enum UnansweredRequest {
    /// Beyond the API's request timeout: how long after an attempt ended Avala may still act on it.
    public static let margin: TimeInterval = 30

    /// Saves, before the request is sent, when it is.
    public static func begin(_ key: String, context: PluginContext) async throws {
        try await context.state.set(key, ["at": .number(context.now().timeIntervalSince1970)])
    }

    /// The attempt ended without an answer: Avala may act on it until the request timeout and margin
    /// from now. (A client that resent it, after a 429's wait, may have sent it long after `at`.)
    public static func unanswered(_ key: String, context: PluginContext) async throws {
        var saved = try await context.state.get(key)?.objectValue ?? [:]
        saved["unanswered_at"] = .number(context.now().timeIntervalSince1970)
        try await context.state.set(key, .object(saved))
    }

    /// When a new attempt may go out, or nil when no earlier request is saved under `key`. An attempt
    /// with no recorded end was cut off by a crash, at a time this run cannot know: the first run that
    /// finds it records its own time as that end.
    public static func settled(_ key: String, context: PluginContext) async throws -> Date? {
        guard var saved = try await context.state.get(key)?.objectValue, let at = saved["at"]?.numberValue else { return nil }
        let ended: Double
        if let recorded = saved["unanswered_at"]?.numberValue {
            ended = recorded
        } else {
            ended = context.now().timeIntervalSince1970
            saved["unanswered_at"] = .number(ended)
            try await context.state.set(key, .object(saved))
        }
        return Date(timeIntervalSince1970: max(at, ended)).addingTimeInterval(context.avala.requestTimeout + margin)
    }
}
