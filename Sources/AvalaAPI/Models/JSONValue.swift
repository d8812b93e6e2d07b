import Foundation

/// Any JSON value, for the free-form parts of Avala's responses (item metadata, delivery payloads).
///
/// Numbers are `Double`s, except whole numbers beyond 2^53 that fit `Int64` (ids such as
/// `9007199254740993`), which a `Double` would round: they are ``integer(_:)``, written back exactly, so
/// the pollers hand them on to BotKit's `JSON.integer`. ``exactInteger(_:)`` picks the case.
public enum JSONValue: Codable, Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    /// A whole number of magnitude above 2^53, kept exactly (``number(_:)`` holds every other number).
    case integer(Int64)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

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
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // Whole numbers go out without a fraction, so ids and counts round-trip as integers.
            if value.rounded() == value, abs(value) <= Self.exactIntegerLimit {
                try container.encode(Int64(value))
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
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The string, when this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number, when this is a number: an ``integer(_:)`` rounded to the nearest `Double`.
    public var numberValue: Double? {
        switch self {
        case .number(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    /// 2^53: up to this magnitude every whole number is a `Double` exactly, and is written as an integer
    /// (an id of 16 digits must not go out as `1e+15`).
    static let exactIntegerLimit: Double = 9_007_199_254_740_992

    /// The integer, when this is a whole number.
    public var intValue: Int? {
        switch self {
        case .number(let value) where value.rounded() == value && abs(value) <= Self.exactIntegerLimit: Int(value)
        case .integer(let value): Int(exactly: value)
        default: nil
        }
    }

    /// `value` as a JSON value: a `.number` up to 2^53 in magnitude, where a `Double` holds it exactly,
    /// and an `.integer` beyond; one case per number, so that equal numbers compare equal.
    public static func exactInteger(_ value: Int64) -> JSONValue {
        // Compared as integers: 2^53 + 1 as a Double is 2^53.
        value.magnitude <= UInt64(exactIntegerLimit) ? .number(Double(value)) : .integer(value)
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral
{
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .exactInteger(Int64(value)) }
    public init(nilLiteral: ()) { self = .null }
}
