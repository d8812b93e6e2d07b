import Foundation

/// A JSON value: event bodies, rendered action parameters, plugin config and plugin state.
///
/// BotKit's own type, so that plugins depend on nothing but BotKit.
///
/// ```swift
/// let body: JSON = ["export": ["uid": "e-1", "format": "coco"]]
/// body[path: "export.format"]   // .string("coco")
/// ```
///
/// Numbers are `Double`s, except whole numbers beyond 2^53 that fit `Int64` (ids such as
/// `9007199254740993`), which a `Double` would round: they are ``integer(_:)``, so they compare and are
/// written back exactly. ``exactInteger(_:)`` picks the case; a `.number` and an `.integer` holding the
/// same number are equal.
public enum JSON: Codable, Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    /// A whole number of magnitude above 2^53, kept exactly (``number(_:)`` holds every other number).
    case integer(Int64)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            // From 2^53 on, a Double may have rounded the literal: read it again as a Decimal, which keeps its
            // digits (an Int64 decode would truncate a fraction), and keep it exactly when it is a whole Int64.
            if abs(value) >= Self.exactIntegerLimit, value.rounded() == value, let decimal = try? container.decode(Decimal.self),
                let whole = Int64(decimal.description)
            {
                self = .exactInteger(whole)
            } else {
                self = .number(value)
            }
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // Whole numbers go out without a fraction, so counts and ids round-trip as integers.
            if let whole = Self.wholeNumber(value) {
                try container.encode(whole)
            } else {
                try container.encode(value)
            }
        case .integer(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The value at `key` when this is an object.
    public subscript(key: String) -> JSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The value at a dotted path (`export.format`, `items.0.uid`), or nil when any step is missing.
    public subscript(path path: String) -> JSON? {
        var current: JSON? = self
        for component in path.split(separator: ".", omittingEmptySubsequences: false) {
            switch current {
            case .object(let object)?: current = object[String(component)]
            case .array(let array)?:
                guard let index = Int(component), array.indices.contains(index) else { return nil }
                current = array[index]
            default: return nil
            }
        }
        return current
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number as a `Double`: an ``integer(_:)`` rounded to the nearest one.
    public var numberValue: Double? {
        switch self {
        case .number(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    public var intValue: Int? {
        switch self {
        case .number(let value): Self.wholeNumber(value).map { Int($0) }
        case .integer(let value): Int(exactly: value)
        default: nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSON]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The value as plain text, as a template renders it: strings verbatim, numbers without a needless
    /// fraction, `true`/`false`, empty for null, JSON for arrays and objects.
    public var text: String {
        switch self {
        case .null: return ""
        case .bool(let value): return value ? "true" : "false"
        case .number(let value):
            if let whole = Self.wholeNumber(value) { return String(whole) }
            return String(value)
        case .integer(let value): return String(value)
        case .string(let value): return value
        case .array, .object: return compactJSON
        }
    }

    /// 2^53: up to this magnitude every whole number is a `Double` exactly.
    package static let exactIntegerLimit: Double = 9_007_199_254_740_992

    /// `value` as an integer when it is a whole number of magnitude at most 2^53, where every integer is
    /// exact, so that it reads back as written (`1000000000000000`, not `1e+15`); nil beyond (where a
    /// `Double` is no longer a count or an id, and its own text says what it is) or with a fraction.
    package static func wholeNumber(_ value: Double) -> Int64? {
        guard value.rounded() == value, abs(value) <= exactIntegerLimit else { return nil }
        return Int64(value)
    }

    /// `value` as JSON: a `.number` up to 2^53 in magnitude, where a `Double` holds it exactly, and an
    /// `.integer` beyond.
    public static func exactInteger(_ value: Int64) -> JSON {
        value.magnitude <= 9_007_199_254_740_992 ? .number(Double(value)) : .integer(value)
    }

    /// Equal as JSON values: numbers by value, whichever case holds them (`.integer(2^60)` equals
    /// `.number(0x1p60)`, and not `.number` of a neighbour it would round to).
    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let left), .bool(let right)): left == right
        case (.number(let left), .number(let right)): left == right
        case (.integer(let left), .integer(let right)): left == right
        case (.integer(let whole), .number(let number)), (.number(let number), .integer(let whole)): Int64(exactly: number) == whole
        case (.string(let left), .string(let right)): left == right
        case (.array(let left), .array(let right)): left == right
        case (.object(let left), .object(let right)): left == right
        default: false
        }
    }

    /// Hashes as ``==`` compares: a whole number as its `Int64`, whichever case holds it.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value):
            hasher.combine(1)
            hasher.combine(value)
        case .number(let value):
            if let whole = Int64(exactly: value) {
                hasher.combine(2)
                hasher.combine(whole)
            } else {
                hasher.combine(3)
                hasher.combine(value)
            }
        case .integer(let value):
            hasher.combine(2)
            hasher.combine(value)
        case .string(let value):
            hasher.combine(4)
            hasher.combine(value)
        case .array(let value):
            hasher.combine(5)
            hasher.combine(value)
        case .object(let value):
            hasher.combine(6)
            hasher.combine(value)
        }
    }

    /// Compact JSON text with sorted keys, unescaped slashes and whole numbers without a fraction;
    /// `null` for a value JSON cannot carry (a number that is not finite).
    public var compactJSON: String {
        (try? JSONText.compact(self)) ?? "null"
    }
}

extension JSON: ExpressibleByDictionaryLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByNilLiteral
{
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .exactInteger(Int64(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(nilLiteral: ()) { self = .null }
}
