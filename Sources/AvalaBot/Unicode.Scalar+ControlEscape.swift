extension Unicode.Scalar {
    /// How a terminal line shows this scalar when it is a control character (or a line separator), which
    /// printed raw would move the cursor, break the line or recolour what follows; nil for any other.
    var controlEscape: String? {
        switch self {
        case "\n": "\\n"
        case "\r": "\\r"
        case "\t": "\\t"
        case _ where properties.generalCategory == .control || self == "\u{2028}" || self == "\u{2029}":
            "\\u{\(String(value, radix: 16))}"
        default: nil
        }
    }
}

extension String {
    /// The text with its control characters written as escapes (``Unicode/Scalar/controlEscape``).
    var escapingControlCharacters: String {
        guard unicodeScalars.contains(where: { $0.controlEscape != nil }) else { return self }
        var escaped = ""
        for scalar in unicodeScalars {
            if let escape = scalar.controlEscape { escaped += escape } else { escaped.unicodeScalars.append(scalar) }
        }
        return escaped
    }
}
