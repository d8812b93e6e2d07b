import Foundation
import Synchronization

/// Events this process claimed whose handling failed in the store, still marked `running` in it.
///
/// Nothing else puts such an event back: a claim takes only pending events and skips every subject with
/// a running one, and `releaseRunning` runs only at start. So the dispatcher hands the event back itself,
/// as pending again after a delay, as soon as the store accepts the write; until then it keeps trying.
/// The delay grows with each store failure of the same event (`base · 2^(failures-1)`, at most `max`), so
/// an event whose handling fails in the store every time does not spin the dispatcher.
final class StaleRunningEvents: Sendable {
    private struct State {
        /// Store failures in a row, by event id; forgotten once the event is handled without one.
        var failures: [String: Int] = [:]
        /// Events to put back to pending, with the time they are due again.
        var unreleased: [String: Date] = [:]
    }

    private let state = Mutex(State())
    /// The dispatcher's backoff, attempts unlimited: only its delays are used.
    private let backoff: RetryPolicy

    init(base: Duration, max: Duration) {
        backoff = RetryPolicy(maxAttempts: .max, base: base, max: max)
    }

    /// Records a store failure while handling the event; returns when the event is due again.
    func failed(eventID: String, at now: Date) -> Date {
        state.withLock { state in
            let failures = state.failures[eventID, default: 0] + 1
            state.failures[eventID] = failures
            let due = now.addingTimeInterval(backoff.ceiling(afterAttempts: failures))
            state.unreleased[eventID] = due
            return due
        }
    }

    /// The event was handled to the end (or handed back): its failures are forgotten.
    func succeeded(eventID: String) {
        _ = state.withLock { $0.failures.removeValue(forKey: eventID) }
    }

    /// The event is pending again in the store.
    func released(eventID: String) {
        _ = state.withLock { $0.unreleased.removeValue(forKey: eventID) }
    }

    /// The events still to put back, each with its due time.
    var unreleased: [(eventID: String, due: Date)] {
        state.withLock { $0.unreleased.map { ($0.key, $0.value) } }
    }
}
