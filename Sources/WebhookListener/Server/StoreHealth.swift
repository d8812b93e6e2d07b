import BotEngine
import Foundation
import Synchronization

/// Whether the last write to the store failed, and when: `/readyz` reports not ready for a while after
/// a failed ingest, so a load balancer stops sending deliveries that would get 503 anyway, and after a
/// failed write of its own (a probe at most every ``probeInterval``), so an idle bot is checked too. It also keeps
/// the run of failures, so a full disk is one error in the log rather than one per delivery.
final class StoreHealth: Sendable {
    private struct State {
        var lastFailure: Date?
        var failures = RepeatedFailureLog()
        /// The last write `/readyz` made itself, and whether it worked.
        var probe: (at: Date, writable: Bool)?
    }

    private let state = Mutex(State())
    /// How long a failed write keeps the listener not ready when nothing has succeeded since.
    let holdDown: TimeInterval

    init(holdDown: TimeInterval = 30) {
        self.holdDown = holdDown
    }

    /// Records a failed write; says what to log for it.
    func recordFailure(_ error: any Error, now: Date = Date()) -> RepeatedFailureLog.Line {
        state.withLock { state in
            state.lastFailure = now
            return state.failures.failed("\(error)", at: now)
        }
    }

    /// Records a successful write: the run of failures it ends, if any.
    func recordSuccess() -> RepeatedFailureLog.Recovery? {
        state.withLock { state in
            // The common case, on every delivery: nothing to reset.
            guard state.lastFailure != nil || state.failures.failures > 0 else { return nil }
            state.lastFailure = nil
            return state.failures.succeeded()
        }
    }

    /// How often `/readyz` writes to find out whether the store can: probes come every few seconds,
    /// and a write each time would be all the store does on an idle bot.
    static let probeInterval: TimeInterval = 10

    /// Whether `store` can write: the last probe's answer while it is fresh, else a new probe's.
    func probe(_ store: any EventStore, now: Date) async -> Bool {
        let recent = state.withLock { state -> Bool? in
            guard let probe = state.probe, now.timeIntervalSince(probe.at) < Self.probeInterval else { return nil }
            return probe.writable
        }
        if let recent { return recent }
        let writable = (try? await store.checkWritable(now: now)) != nil
        state.withLock { $0.probe = (now, writable) }
        return writable
    }

    func isFailing(now: Date = Date()) -> Bool {
        state.withLock { state in
            guard let failure = state.lastFailure else { return false }
            return now.timeIntervalSince(failure) < holdDown
        }
    }
}
