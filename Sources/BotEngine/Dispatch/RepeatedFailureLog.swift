public import Foundation

/// Decides which failures of a retried operation get a log line at error level.
///
/// A store that cannot write (a full disk, a file made read-only) fails every claim, once per idle poll,
/// and every webhook until it recovers: one error line per attempt buries everything else in the log. So the first failure
/// is logged, a different error is logged when it appears, the same error again only as a reminder once
/// per `reminderInterval`, and the first success after failures gets one line that says how long it
/// lasted. Everything else is left to debug level.
public struct RepeatedFailureLog: Sendable {
    /// What to log for one failure.
    public enum Line: Equatable, Sendable {
        /// The first failure after a success, or a failure whose error differs from the last one.
        case first
        /// The same error still, and `reminderInterval` has passed since the last line at error level.
        case reminder(failures: Int, since: Date)
        /// The same error again, within `reminderInterval`: debug level only.
        case repeated(failures: Int)
    }

    /// A run of failures that ended in a success.
    public struct Recovery: Equatable, Sendable {
        public var failures: Int
        public var since: Date
    }

    public let reminderInterval: TimeInterval
    public private(set) var failures = 0
    private var since: Date?
    private var lastError: String?
    private var lastLogged: Date?

    public init(reminderInterval: TimeInterval = 60) {
        self.reminderInterval = reminderInterval
    }

    /// Records a failure with its error's description.
    public mutating func failed(_ error: String, at now: Date) -> Line {
        failures += 1
        if since == nil { since = now }
        defer { lastError = error }
        if failures == 1 || error != lastError {
            lastLogged = now
            return .first
        }
        if let lastLogged, now.timeIntervalSince(lastLogged) < reminderInterval {
            return .repeated(failures: failures)
        }
        lastLogged = now
        return .reminder(failures: failures, since: since ?? now)
    }

    /// Records a success: the run of failures it ends, if there was one.
    public mutating func succeeded() -> Recovery? {
        defer { self = RepeatedFailureLog(reminderInterval: reminderInterval) }
        guard failures > 0, let since else { return nil }
        return Recovery(failures: failures, since: since)
    }
}
