import Foundation

/// Reads a `Retry-After` header: delay seconds or an HTTP-date (RFC 9110 §10.2.3).
enum RetryAfter {
    /// When the receiver asked to be called again, or nil when it did not say (or said it unreadably).
    static func date(from headers: [String: String], now: Date) -> Date? {
        guard let value = headers.first(where: { $0.key.lowercased() == "retry-after" })?.value.trimmingCharacters(in: .whitespaces),
            !value.isEmpty
        else { return nil }
        if let seconds = Int(value) { return seconds >= 0 ? now.addingTimeInterval(TimeInterval(seconds)) : nil }
        return httpDate(value)
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
