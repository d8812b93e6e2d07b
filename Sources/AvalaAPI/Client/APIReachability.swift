public import Foundation
import Synchronization

/// Whether the Avala API answered this client lately: what `/readyz` reports as "API reached recently".
///
/// A request counts as reaching the API when it got an answer the API meant for it: any status but a 5xx
/// (the API is failing) or a 401/403 (the API refuses this key, so nothing works either). A transport
/// failure (no connection, a timeout) does not reach it.
public final class APIReachability: Sendable {
    private struct State {
        var lastReached: Date?
        /// The first failure since the API was last reached, with its description.
        var failingSince: Date?
        var lastError: String?
        /// The last failure was the API refusing the key (401, 403), not a failure to answer.
        var refused = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Records an answer (`status`) or a transport failure (`status` nil).
    func record(status: Int?, error: @autoclosure () -> String, at now: Date = Date()) {
        let refused = status == 401 || status == 403
        let reached = status.map { !(500...599).contains($0) && !refused } ?? false
        let description = reached ? nil : error()
        state.withLock { state in
            if reached {
                state.lastReached = now
                state.failingSince = nil
                state.lastError = nil
                state.refused = false
            } else {
                if state.failingSince == nil { state.failingSince = now }
                state.lastError = description
                state.refused = refused
            }
        }
    }

    /// When the API was last reached; nil when it never was.
    public var lastReached: Date? { state.withLock { $0.lastReached } }

    /// Why the API counts as unreachable at `now`: every request for at least `grace` has failed, and
    /// none reached it since. Nil while it is reachable, within the grace, or before any request (a bot
    /// that never calls the API has nothing to report).
    public func problem(now: Date = Date(), grace: TimeInterval) -> String? {
        state.withLock { state in
            guard let since = state.failingSince, now.timeIntervalSince(since) >= grace else { return nil }
            return "Avala API not reached since \(AvalaJSON.formatTimestamp(since)): \(state.lastError ?? "no answer")"
        }
    }

    /// The same condition as ``problem(now:grace:)``, as a verdict that names no request and no error,
    /// for an endpoint anyone may read: `api refuses the key` when the API's last answer was a 401 or
    /// 403 (the key is wrong or revoked: waiting will not help), else `api unreachable`.
    public func verdict(now: Date = Date(), grace: TimeInterval) -> String? {
        state.withLock { state in
            guard let since = state.failingSince, now.timeIntervalSince(since) >= grace else { return nil }
            return state.refused ? "api refuses the key" : "api unreachable"
        }
    }
}
