public import Foundation

/// What a plugin's action came to.
///
/// ```swift
/// return .skipped("dave@acme.ai already has a pending invitation to acme-labelers")
/// ```
public enum ActionOutcome: Hashable, Sendable {
    /// It happened; the detail says what (an invitation uid, an export uid).
    case done(String)
    /// Nothing needed doing, and that is fine (already a member, a silenced alert).
    case skipped(String)
    /// Call again at this time: not a failure and never counted as an attempt (an alert group waiting).
    case deferred(until: Date, reason: String)
    /// A transient failure; retried with backoff (or at `after`, when the server said) and counted
    /// towards `dispatcher.max_attempts`.
    case retry(after: Date?, reason: String)
    /// A permanent failure; not retried, dead-lettered.
    case failed(String)

    /// Done or skipped: nothing more will happen for this action.
    public var isFinal: Bool {
        switch self {
        case .done, .skipped, .failed: true
        case .deferred, .retry: false
        }
    }

    public var name: String {
        switch self {
        case .done: "done"
        case .skipped: "skipped"
        case .deferred: "deferred"
        case .retry: "retry"
        case .failed: "failed"
        }
    }

    public var detail: String {
        switch self {
        case .done(let text), .skipped(let text), .failed(let text): text
        case .deferred(_, let reason), .retry(_, let reason): reason
        }
    }
}
