import BotKit

/// A value written in a `where` clause, with the forms it compares in worked out once at load.
///
/// Equality across types (documented in ``RuleSet``): a number equals a string that spells the same
/// number (`3` and `"3.0"`), a boolean equals the string `"true"` or `"false"`, null equals only null,
/// lists and mappings equal structurally; anything else is unequal. Two strings compare as text.
/// Numbers compare exactly: whole numbers as integers (`9007199254740993` is not `9007199254740992`,
/// which a `Double` would make of it), others as `Double`s.
struct MatchLiteral: Hashable, Sendable, CustomStringConvertible {
    /// A number as rules compare it: its `Double`, and its exact `Int64` when it is a whole number that
    /// fits one.
    struct Number: Hashable, Sendable, CustomStringConvertible {
        let value: Double
        let exact: Int64?

        init(_ value: Double) {
            self.value = value
            exact = Int64(exactly: value)
        }

        init(exact: Int64) {
            value = Double(exact)
            self.exact = exact
        }

        /// A number, or a string that spells one; nil for anything else.
        init?(_ json: JSON) {
            switch json {
            case .number(let value): self.init(value)
            case .integer(let value): self.init(exact: value)
            case .string(let text): self.init(text: text)
            default: return nil
            }
        }

        /// A decimal number written as text (``MatchLiteral/number(from:)``), exactly when it is an
        /// integer that fits `Int64`.
        init?(text: String) {
            guard let value = MatchLiteral.number(from: text) else { return nil }
            if let exact = Int64(text) {
                self.init(exact: exact)
            } else {
                self.init(value)
            }
        }

        /// The sign of `self - other`. Two whole numbers compare as integers, so that neighbours beyond
        /// 2^53 stay apart; otherwise as `Double`s, which is exact there too: a `Double` with a fraction
        /// is below 2^52, and one beyond `Int64` is beyond every `Int64`.
        func order(_ other: Number) -> Int {
            if let exact, let otherExact = other.exact { return exact < otherExact ? -1 : exact > otherExact ? 1 : 0 }
            return value < other.value ? -1 : value > other.value ? 1 : 0
        }

        var description: String { exact.map(String.init) ?? JSON.number(value).text }
    }

    let json: JSON
    /// The number this literal stands for, also when written as a numeric string.
    let number: Number?
    /// The `${…}` reference the value came from, as written; nil when written in the file. Explanations
    /// show the reference in its place, whatever the value's length: it may be a secret.
    let reference: String?

    init(_ json: JSON, reference: String? = nil) {
        self.json = json
        self.reference = reference
        number = Number(json)
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
        case (.number, _), (.integer, _), (.string, .number), (.string, .integer):
            guard let number, let actualNumber = Number(actual) else { return false }
            return actualNumber.order(number) == 0
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
        case .number, .integer: text = value.text
        default: text = value.compactJSON
        }
        return text.count > 120 ? String(text.prefix(117)) + "..." : text
    }
}
