import Foundation

extension AvalaClient {
    /// A decoding error as one line in the terms of the JSON that was read: the field's path, what was
    /// expected there (text, a whole number, an object) and, given the body, what was found — never the
    /// Swift type it was being read into, which means nothing to someone reading the API's JSON.
    ///
    /// `missing 'slug' at datasets[0]`, `expected text at results[0].email, found a number (42)`.
    /// - Parameter body: the JSON that failed, to say what the field held; without it, only what was
    ///   expected is said.
    public static func describe(decodingError error: any Error, body: [UInt8]? = nil) -> String {
        guard let error = error as? DecodingError else { return "it could not be read" }
        let root = body.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0)) }
        func found(_ path: [any CodingKey]) -> String? {
            root.flatMap { value(at: path, in: $0) }.map(described)
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing '\(key.stringValue)' \(place(context.codingPath))"
        case .typeMismatch(let type, let context):
            return "expected \(kind(type)) \(place(context.codingPath))" + (found(context.codingPath).map { ", found \($0)" } ?? "")
        case .valueNotFound(let type, let context):
            return "expected \(kind(type)) \(place(context.codingPath)), found null"
        case .dataCorrupted(let context):
            let text = context.debugDescription
            // Foundation's own wording of these two names the Swift type (`Cannot initialize Role from
            // invalid String value x`, `… does not fit in Int.`).
            if text.hasPrefix("Cannot initialize") {
                return "\(found(context.codingPath) ?? "the value") \(place(context.codingPath)) is not one that field takes"
            }
            if text.contains("does not fit in") {
                return "expected a number within range \(place(context.codingPath))" + (found(context.codingPath).map { ", found \($0)" } ?? "")
            }
            return "\(text) \(place(context.codingPath))"
        @unknown default:
            return "it could not be read"
        }
    }

    /// `at results[0].email`, or `at the top level`.
    private static func place(_ path: [any CodingKey]) -> String {
        let keys = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return keys.isEmpty ? "at the top level" : "at \(keys.hasPrefix(".") ? String(keys.dropFirst()) : keys)"
    }

    /// What a JSON value of `type` is called by someone reading JSON.
    private static func kind(_ type: Any.Type) -> String {
        if type == String.self { return "text" }
        if type == Bool.self { return "true or false" }
        if type is any BinaryInteger.Type { return "a whole number" }
        if type is any BinaryFloatingPoint.Type || type == Decimal.self { return "a number" }
        if type == Date.self { return "an ISO-8601 time" }
        let name = "\(type)"
        if name.hasPrefix("Array<") || name.hasPrefix("[") { return "a list" }
        // A dictionary, or a model read from an object's fields.
        return "an object"
    }

    /// The value at `path` in `root`, when there is one.
    private static func value(at path: [any CodingKey], in root: JSONValue) -> JSONValue? {
        var current = root
        for key in path {
            switch current {
            case .array(let items):
                guard let index = key.intValue, items.indices.contains(index) else { return nil }
                current = items[index]
            case .object(let fields):
                guard let next = fields[key.stringValue] else { return nil }
                current = next
            default:
                return nil
            }
        }
        return current
    }

    /// A found value as the JSON reads: `a number (42)`, `text ("abc")`, `an object`, `null`.
    private static func described(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return "\(flag)"
        case .number(let number): return "a number (\(number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)))"
        case .integer(let number): return "a number (\(number))"
        case .string(let text): return "text (\"\(text.count > 40 ? text.prefix(40) + "…" : text)\")"
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}
