public import Foundation

/// When a failed action runs again: exponential backoff with full jitter, or the time the failure
/// asked for (a `Retry-After`), whichever is later; dead-lettered after the maximum attempts.
///
/// A requested time counts up to `max` from now (`dispatcher.backoff.max`), no further: a server that
/// asks for a year would otherwise park the action for a year, and it would never reach its dead letter.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var base: Duration
    public var max: Duration

    public init(maxAttempts: Int, base: Duration, max: Duration) {
        self.maxAttempts = maxAttempts
        self.base = base
        self.max = max
    }

    /// The delay ceiling after `attempts` failed attempts (1 after the first): `min(max, base · 2^(attempts-1))`.
    public func ceiling(afterAttempts attempts: Int) -> Double {
        let exponent = Double(Swift.max(0, attempts - 1))
        return Swift.min(max.seconds, base.seconds * pow(2, Swift.min(exponent, 60)))
    }

    /// The next attempt's time, or nil when `attempts` used them all up.
    /// - Parameters:
    ///   - attempts: failed attempts so far, this one included.
    ///   - requested: the earliest time the failure asked for (a `Retry-After`), if any.
    ///   - random: a uniform number in `0...1`.
    public func nextAttempt(afterAttempts attempts: Int, requested: Date?, now: Date, random: Double) -> Date? {
        guard attempts < maxAttempts else { return nil }
        let delay = ceiling(afterAttempts: attempts) * Swift.min(Swift.max(random, 0), 1)
        let backoff = now.addingTimeInterval(delay)
        guard let requested, !requested.timeIntervalSinceReferenceDate.isNaN else { return backoff }
        return Swift.max(backoff, Swift.min(requested, now.addingTimeInterval(max.seconds)))
    }
}
