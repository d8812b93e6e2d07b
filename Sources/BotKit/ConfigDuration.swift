/// Durations as the config writes them: a number with a unit, units combined largest first (`500ms`,
/// `30s`, `5m`, `1h30m`, `7d`).
///
/// A bare number is refused on purpose: `30` could mean seconds or minutes, and a wrong guess would
/// silently change a throttle window or a timeout.
///
/// ```swift
/// try ConfigDuration.parse("1h30m")          // .seconds(5400)
/// ConfigDuration.format(.milliseconds(1500))  // "1s500ms"
/// ```
public enum ConfigDuration {
    /// The units, largest first; the order a duration must follow.
    static let units: [(name: String, milliseconds: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    /// The longest duration: a hundred years, far beyond any window or interval, and well inside what
    /// dates and timers can add without overflowing.
    static let maximumDays: Int64 = 36_500

    /// Parses `1h30m` and the like.
    /// - Throws: ``ConfigDurationError`` saying what is wrong, ready to follow a key path.
    public static func parse(_ text: String) throws(ConfigDurationError) -> Duration {
        let trimmed = text.trimmingWhitespace
        guard !trimmed.isEmpty else { throw ConfigDurationError("expected a duration like 30s, 5m or 1h30m, found nothing") }
        // Suggest only what parses: whole numbers take a unit as they are; a fraction is written in a
        // smaller unit or in combined units (1.5 → 1500ms or 1m30s), which is not a guess to make.
        if trimmed.contains(".") {
            throw ConfigDurationError("'\(trimmed)' is not a duration: write whole numbers with units, like 1500ms or 1m30s")
        }
        if trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            throw ConfigDurationError("'\(trimmed)' is not a duration: a bare number is ambiguous (write \(trimmed)s or \(trimmed)m)")
        }
        let bad = ConfigDurationError("'\(trimmed)' is not a duration (expected e.g. 500ms, 30s, 5m, 1h30m, 7d)")
        // Well formed, but more than any timer here can wait: said so, rather than "not a duration".
        let tooLong = ConfigDurationError("'\(trimmed)' is too long: at most \(maximumDays)d")
        var total: Int64 = 0
        var lastRank = -1
        let bytes = Array(trimmed.utf8)
        var index = 0
        while index < bytes.count {
            var value: Int64 = 0
            let digitsStart = index
            var overflowed = false
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                if index - digitsStart >= 12 { overflowed = true }
                if !overflowed { value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0")) }
                index += 1
            }
            let unitStart = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "a"), bytes[index] <= UInt8(ascii: "z") { index += 1 }
            let unit = String(decoding: bytes[unitStart..<index], as: UTF8.self)
            guard unitStart > digitsStart, let rank = units.firstIndex(where: { $0.name == unit }) else { throw bad }
            // Largest first, each unit once: `30m1h` is more likely a typo than a wish.
            guard rank > lastRank else {
                throw ConfigDurationError("'\(trimmed)' is not a duration: combine units largest first, each once (like 1h30m)")
            }
            lastRank = rank
            guard !overflowed else { throw tooLong }
            let (product, productOverflow) = value.multipliedReportingOverflow(by: units[rank].milliseconds)
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !productOverflow, !sumOverflow else { throw tooLong }
            total = sum
        }
        guard total <= maximumDays * 86_400_000 else { throw tooLong }
        return .milliseconds(total)
    }

    /// Parses the value of a `${…}` reference (`reference`, as written), or `text` as ``parse(_:)`` when
    /// `reference` is nil. The error names the reference and says what its value must be: it never
    /// quotes the value, which may be a secret, nor builds a hint from it (`write 7s` became `${PER}s`
    /// once the value was put back as its reference).
    public static func parse(_ text: String, referencedAs reference: String?) throws(ConfigDurationError) -> Duration {
        guard let reference else { return try parse(text) }
        do {
            return try parse(text)
        } catch {
            throw ConfigDurationError(
                "the value of \(reference) is not a duration: it must be whole numbers with units, like 500ms, 30s, 5m, 1h30m or 7d"
                    + " (at most \(maximumDays)d)"
            )
        }
    }

    /// The shortest config form of a duration, largest unit first (`1h30m`, `500ms`, `0s`).
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        var remaining = seconds * 1_000 + attoseconds / 1_000_000_000_000_000
        guard remaining > 0 else { return "0s" }
        var text = ""
        for unit in units where remaining >= unit.milliseconds {
            text += "\(remaining / unit.milliseconds)\(unit.name)"
            remaining %= unit.milliseconds
        }
        return text
    }
}

/// A config value that is not a duration.
public struct ConfigDurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
