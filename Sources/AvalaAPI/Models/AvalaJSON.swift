public import Foundation

/// The JSON coders for Avala's wire format, shared by the client and the simulator.
///
/// Timestamps are ISO-8601 in UTC. Avala (Django REST Framework) writes microseconds and `Z`; other
/// sources omit the fraction or write `+00:00`, so decoding accepts all of these. Encoding writes the
/// server's form, with microseconds and `Z`.
public enum AvalaJSON {
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseTimestamp(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "Expected an ISO-8601 timestamp, found '\(text.prefix(40))'"
                )
            }
            return date
        }
        return decoder
    }

    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatTimestamp(date))
        }
        return encoder
    }

    /// Formats a date as Avala does: `2026-11-30T11:35:22.123456Z`.
    public static func formatTimestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let micros = Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded())
        let whole = Date(timeIntervalSince1970: seconds)
        let base = whole.formatted(
            Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!).year().month().day()
                .timeSeparator(.colon).time(includingFractionalSeconds: false).dateTimeSeparator(.standard)
        )
        return "\(base).\(String(format: "%06d", min(micros, 999_999)))Z"
    }

    /// Parses ISO-8601 with or without a fraction (any number of digits) and with `Z` or an offset.
    public static func parseTimestamp(_ text: String) -> Date? {
        var body = Substring(text)
        var offsetSeconds = 0
        if body.hasSuffix("Z") || body.hasSuffix("z") {
            body = body.dropLast()
        } else if body.count > 6, let sign = body[body.index(body.endIndex, offsetBy: -6)...].first,
            sign == "+" || sign == "-", body[body.index(body.endIndex, offsetBy: -3)] == ":"
        {
            let tail = body.suffix(5)  // hh:mm
            guard let hours = Int(tail.prefix(2)), let minutes = Int(tail.suffix(2)) else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (sign == "-" ? -1 : 1)
            body = body.dropLast(6)
        }
        var fraction = 0.0
        if let dot = body.firstIndex(of: ".") {
            let digits = body[body.index(after: dot)...]
            guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigitCharacter),
                let value = Double("0." + digits)
            else { return nil }
            fraction = value
            body = body[..<dot]
        }
        // yyyy-MM-ddTHH:mm:ss
        let parts = body.split(whereSeparator: { $0 == "-" || $0 == "T" || $0 == "t" || $0 == ":" || $0 == " " })
        guard parts.count == 6, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            let hour = Int(parts[3]), let minute = Int(parts[4]), let second = Int(parts[5]),
            (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute),
            (0...60).contains(second)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        // The calendar rolls impossible dates over (Feb 30 → Mar 2); refuse them instead.
        guard let date = calendar.date(from: components),
            calendar.dateComponents([.year, .month, .day], from: date) == DateComponents(year: year, month: month, day: day)
        else { return nil }
        return date.addingTimeInterval(fraction - Double(offsetSeconds))
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
