import BotKit
import Foundation

/// Times as the alert state keeps them.
///
/// Group state stores whole milliseconds since 1970, not ISO text: a flush time must read back exactly
/// as written, or an action woken at its `deferred(until:)` could find itself a fraction too early and
/// defer again. Silences, which people read and write through the CLI, use ISO-8601.
enum AlertTime {
    /// Rounded to the nearest millisecond, so that a `Date` made from a stored value converts back to it.
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000).rounded())
    }

    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1_000)
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }

    /// ISO-8601 as the rest of the bot writes it (UTC, milliseconds).
    static func text(_ date: Date) -> String {
        Event.timestamp(date)
    }

    /// ISO-8601 with or without fractional seconds, `Z` or an offset; nil when it is not one.
    static func parse(_ text: String) -> Date? {
        // A formatter per call: ISO8601DateFormatter is not Sendable, and silences are parsed rarely.
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
