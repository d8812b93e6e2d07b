import Foundation

/// A JSON value: event bodies, rendered action parameters, plugin config and plugin state.
///
/// BotKit's own type, so that plugins depend on nothing but BotKit.
///
/// ```swift
/// let body: JSON = ["export": ["uid": "e-1", "format": "coco"]]
/// body[path: "export.format"]   // .string("coco")
/// ```
public enum JSON: Codable, Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
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
            self = .number(value)
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

    public var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    public var intValue: Int? {
        if case .number(let value) = self, let whole = Self.wholeNumber(value) { return Int(whole) }
        return nil
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
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(nilLiteral: ()) { self = .null }
}
