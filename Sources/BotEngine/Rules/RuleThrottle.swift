import BotKit
public import Foundation
import Synchronization

/// The state of every rule's `throttle`: at most `count` matches per `per` window for each rendered key.
///
/// Sliding windows, kept in memory: for each rule and key, the events admitted during the last `per`.
/// The journal records each admission with its step (``StepIntent/throttleKey``), and a dispatcher that
/// starts refills the windows from it (``restore(_:limits:now:)``), so a restart does not reopen them.
/// An event admitted before is admitted again while its admission is inside the window, so a retry or a
/// re-run of the same event (and the several actions of one rule) never counts twice. ``RuleSet``
/// never touches this state: the dispatcher admits what it is about to run, and `simulate` only asks.
///
/// ```swift
/// let throttle = RuleThrottle()
/// let runnable = throttle.admit(rules.plan(for: event), eventID: event.id)
/// ```
public final class RuleThrottle: Sendable {
    /// `count` matches per `per`.
    public struct Limit: Hashable, Sendable, CustomStringConvertible {
        public var count: Int
        public var per: Duration

        public init(count: Int, per: Duration) {
            self.count = count
            self.per = per
        }

        /// `3 per 5m`
        public var description: String { "\(count) per \(ConfigDuration.format(per))" }
    }

    private struct WindowKey: Hashable {
        var rule: String
        var key: String
    }

    private struct Window {
        var per: Double
        var admitted: [(eventID: String, time: Date)]

        mutating func prune(now: Date) {
            admitted.removeAll { now.timeIntervalSince($0.time) >= per }
        }
    }

    private struct State {
        var windows: [WindowKey: Window] = [:]
        var admissionsSinceSweep = 0
    }

    private let state = Mutex(State())
    private let now: @Sendable () -> Date

    /// - Parameter now: the clock, injectable for tests; used when a call passes no time.
    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// Counts a match of `rule` for `key` and says whether it may run.
    /// - Returns: true when fewer than `limit.count` other events were admitted for this rule and key in
    ///   the last `limit.per`, or when this event already was.
    public func admit(rule: String, key: String, limit: Limit, eventID: String, now: Date? = nil) -> Bool {
        let time = now ?? self.now()
        return state.withLock { state in
            state.admissionsSinceSweep += 1
            // Keys come from events (a project uid, an email), so windows that emptied out are dropped now
            // and then; otherwise a long-running bot would keep every key it ever saw.
            if state.admissionsSinceSweep >= 4_096 {
                state.admissionsSinceSweep = 0
                state.windows = state.windows.filter { _, window in
                    window.admitted.contains { time.timeIntervalSince($0.time) < window.per }
                }
            }
            let windowKey = WindowKey(rule: rule, key: key)
            var window = state.windows[windowKey] ?? Window(per: limit.per.seconds, admitted: [])
            window.per = limit.per.seconds
            window.prune(now: time)
            let admitted: Bool
            if window.admitted.contains(where: { $0.eventID == eventID }) {
                admitted = true
            } else if window.admitted.count < limit.count {
                window.admitted.append((eventID, time))
                admitted = true
            } else {
                admitted = false
            }
            state.windows[windowKey] = window
            return admitted
        }
    }

    /// Counts admissions made before (by an earlier run, as the journal kept them) in the windows of the
    /// rules that still have a throttle, unless they are past their window at `now`.
    /// - Returns: how many were counted.
    @discardableResult
    public func restore(_ admissions: [ThrottleAdmission], limits: [String: Limit], now: Date) -> Int {
        state.withLock { state in
            var restored = 0
            for admission in admissions.sorted(by: { $0.at < $1.at }) {
                guard let limit = limits[admission.rule], now.timeIntervalSince(admission.at) < limit.per.seconds else { continue }
                let windowKey = WindowKey(rule: admission.rule, key: admission.key)
                var window = state.windows[windowKey] ?? Window(per: limit.per.seconds, admitted: [])
                guard !window.admitted.contains(where: { $0.eventID == admission.eventID }) else { continue }
                window.admitted.append((admission.eventID, admission.at))
                state.windows[windowKey] = window
                restored += 1
            }
            return restored
        }
    }

    /// What ``admit(rule:key:limit:eventID:now:)`` would answer, without counting anything: for `simulate`.
    public func wouldAdmit(rule: String, key: String, limit: Limit, eventID: String, now: Date? = nil) -> Bool {
        let time = now ?? self.now()
        return state.withLock { state in
            guard var window = state.windows[WindowKey(rule: rule, key: key)] else { return limit.count > 0 }
            window.per = limit.per.seconds
            window.prune(now: time)
            return window.admitted.contains { $0.eventID == eventID } || window.admitted.count < limit.count
        }
    }

    /// The planned actions whose rule the throttle admits, in order. Each throttled rule is counted once
    /// per event however many actions it has; actions of rules without a throttle always pass.
    ///
    /// - Parameter decided: rules already admitted for this event earlier (they have journaled steps):
    ///   they pass without being counted again, however long ago that was. The throttle decides once
    ///   per event and rule, so a retry after the window does not take a newer event's place, nor is
    ///   it throttled after it began.
    public func admit(_ actions: [PlannedAction], eventID: String, now: Date? = nil, decided: Set<String> = []) -> [PlannedAction] {
        partition(actions, eventID: eventID, now: now, decided: decided).admitted
    }

    /// ``admit(_:eventID:now:decided:)``, also returning the actions it held back, so that the decision
    /// can be journaled and is not taken again when the event runs again later.
    public func partition(
        _ actions: [PlannedAction],
        eventID: String,
        now: Date? = nil,
        decided: Set<String> = []
    )
        -> (admitted: [PlannedAction], throttled: [PlannedAction])
    {
        let time = now ?? self.now()
        var verdicts: [String: Bool] = [:]
        var admitted: [PlannedAction] = []
        var throttled: [PlannedAction] = []
        for action in actions {
            guard let throttle = action.throttle, !decided.contains(action.rule) else {
                admitted.append(action)
                continue
            }
            let verdict =
                verdicts[action.rule] ?? admit(rule: action.rule, key: throttle.key, limit: throttle.limit, eventID: eventID, now: time)
            verdicts[action.rule] = verdict
            if verdict { admitted.append(action) } else { throttled.append(action) }
        }
        return (admitted, throttled)
    }
}
