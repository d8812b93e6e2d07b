public import Foundation

/// Reads a receiver's `Retry-After` header (RFC 9110 §10.2.3): delay seconds or an HTTP-date, bounded.
///
/// The bound is ``PluginContext/maxRetryDelay`` (the dispatcher's `backoff.max`): the dispatcher never
/// waits longer than that for a retry anyway, and a plugin that keeps the time itself (an alert group
/// held back for its receiver) must not wait longer either, or a `Retry-After` of a year would park the
/// action for a year, never dead-lettered. Any number of digits is read without trapping.
///
/// ```swift
/// let after = RetryAfter.date(from: response.headers, now: context.now(), limit: context.maxRetryDelay)
/// return .retry(after: after, reason: "the receiver answered 503")
/// ```
public enum RetryAfter {
    /// When the receiver asked to be called again, at most `limit` from `now`; nil when it did not say
    /// (or said it unreadably).
    public static func date(from headers: [String: String], now: Date, limit: Duration) -> Date? {
        guard let value = headers.first(where: { $0.key.lowercased() == "retry-after" })?.value.trimmingWhitespace, !value.isEmpty else {
            return nil
        }
        let seconds: Double
        if value.allSatisfy({ $0.isASCII && $0.isNumber }) {
            // Digits only: a Double holds any length (a huge value becomes large or infinite, never a trap).
            guard let parsed = Double(value) else { return nil }
            seconds = parsed
        } else if let date = httpDate(value) {
            seconds = date.timeIntervalSince(now)
        } else {
            return nil
        }
        let (whole, atto) = limit.components
        let bound = Double(whole) + Double(atto) / 1e18
        return now.addingTimeInterval(Swift.min(Swift.max(seconds, 0), Swift.max(bound, 0)))
    }

    /// The IMF-fixdate form (`Wed, 21 Oct 2015 07:28:00 GMT`), the only one senders may generate.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: text)
    }
}
