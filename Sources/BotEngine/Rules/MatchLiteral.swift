import BotKit

/// A value written in a `where` clause, with the forms it compares in worked out once at load.
///
/// Equality across types (documented in ``RuleSet``): a number equals a string that spells the same
/// number (`3` and `"3.0"`), a boolean equals the string `"true"` or `"false"`, null equals only null,
/// lists and mappings equal structurally; anything else is unequal. Two strings compare as text.
struct MatchLiteral: Hashable, Sendable, CustomStringConvertible {
    let json: JSON
    /// The number this literal stands for, also when written as a numeric string.
    let number: Double?
    /// The `${…}` reference the value came from, as written; nil when written in the file. Explanations
    /// show the reference in its place, whatever the value's length: it may be a secret.
    let reference: String?

    init(_ json: JSON, reference: String? = nil) {
        self.json = json
        self.reference = reference
        switch json {
        case .number(let value): number = value
        case .string(let text): number = Self.number(from: text)
        default: number = nil
        }
    }

    /// The value as written in the rule: a config value, or the reference it came from.
    init(_ node: ConfigNode) {
        self.init(node.json, reference: node.reference)
    }

    /// The literal as an explanation shows it: its reference as written, or its JSON text.
    var description: String { reference ?? Self.describe(json) }

    /// The reference `actual` would give away if shown: this literal's, when it came from one and
    /// `actual` equals its value (an event holding the secret, or a value that fails `ne`).
    func reference(revealedBy actual: JSON?) -> String? {
        guard let reference, let actual else { return nil }
        return equals(actual) || actual.text == json.text ? reference : nil
    }

    func equals(_ actual: JSON) -> Bool {
        switch (actual, json) {
        case (.string(let text), .string(let expected)): return text == expected
        case (.number(let value), _): return number == value
        case (.string(let text), .number(let expected)): return Self.number(from: text) == expected
        case (.bool(let value), .bool(let expected)): return value == expected
        case (.bool(let value), .string(let expected)): return expected == (value ? "true" : "false")
        case (.string(let text), .bool(let expected)): return text == (expected ? "true" : "false")
        default: return actual == json
        }
    }

    /// A decimal number written as text (`42`, `-3.5`, `1e3`), or nil. Stricter than `Double.init`, which
    /// would also read `nan`, `inf` and hexadecimal, none of which an event means as a number.
    static func number(from text: String) -> Double? {
        var sawDigit = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
            case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): break
            default: return nil
            }
        }
        guard sawDigit, let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// A value as explanations show it: JSON text, `missing` for an absent path, cut when long.
    static func describe(_ value: JSON?) -> String {
        guard let value else { return "missing" }
        let text: String
        switch value {
        case .number: text = value.text
        default: text = value.compactJSON
        }
        return text.count > 120 ? String(text.prefix(117)) + "..." : text
    }
}
