public import Foundation

/// A failure that says what kind it is, thrown by a plugin or by the adapters behind its context (the
/// Avala actions), so that the dispatcher treats it as such: a permanent one is dead-lettered at once, a
/// transient one is retried, not before the delay the server asked for. Any other thrown error stays a
/// transient failure retried with backoff.
///
/// Plugins import only BotKit, so they cannot look inside the API client's errors; the adapters translate
/// those into this vocabulary (a refused 4xx is permanent, a 429 carries its `Retry-After`).
///
/// ```swift
/// throw ActionError.permanent("Avala refused the invitation (HTTP 403)")
/// throw ActionError.transient("Avala is rate limiting", retryAfter: 300)
/// ```
public struct ActionError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// Sending the same request again would get the same answer.
        case permanent
        /// It may work later; `retryAfter` seconds is the earliest the server would take it again.
        case transient(retryAfter: TimeInterval?)
    }

    public var kind: Kind
    /// What went wrong, for the journal and the dead-letter reason: never a secret.
    public var message: String
    /// The request certainly had no effect (a 429, or a gateway that says the service did not take it),
    /// so a plugin guarding against a repeat may send it again. False when that is not known (a 500, a
    /// connection lost after the request went out); always true for a permanent refusal.
    public var hadNoEffect: Bool

    public init(_ kind: Kind, _ message: String, hadNoEffect: Bool = false) {
        self.kind = kind
        self.message = message
        self.hadNoEffect = hadNoEffect || kind == .permanent
    }

    public static func permanent(_ message: String) -> ActionError {
        ActionError(.permanent, message)
    }

    /// - Parameter retryAfter: seconds; a negative or non-finite value counts as not given.
    public static func transient(_ message: String, retryAfter: TimeInterval? = nil, hadNoEffect: Bool = false) -> ActionError {
        ActionError(.transient(retryAfter: retryAfter.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }), message, hadNoEffect: hadNoEffect)
    }

    public var isPermanent: Bool { kind == .permanent }

    public var description: String { message }
}
