public import BotKit
import Foundation

/// A parsed YAML document with the location of every node, so that every config error can name its
/// file, line and key path. `${…}` references are already resolved in scalars.
///
/// Built by AvalaBot's config loader from Yams; BotEngine itself does not parse YAML.
public indirect enum ConfigNode: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: ConfigNode
        public init(key: String, keyLocation: SourceLocation, value: ConfigNode) {
            self.key = key
            self.keyLocation = keyLocation
            self.value = value
        }
    }

    /// A scalar's text; `quoted` scalars are always strings, plain ones are typed by the YAML core
    /// schema (null, booleans, numbers).
    case scalar(String, quoted: Bool, SourceLocation)
    case mapping([Entry], SourceLocation)
    case sequence([ConfigNode], SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .scalar(_, _, let location), .mapping(_, let location), .sequence(_, let location): location
        }
    }

    /// The entries, when this is a mapping.
    public var entries: [Entry]? {
        if case .mapping(let entries, _) = self { return entries }
        return nil
    }

    /// The items, when this is a sequence.
    public var items: [ConfigNode]? {
        if case .sequence(let items, _) = self { return items }
        return nil
    }

    /// The value under `key`, when this is a mapping that has it.
    public subscript(key: String) -> ConfigNode? {
        entries?.first { $0.key == key }?.value
    }

    /// A plain scalar that YAML reads as null (`~`, `null`, or nothing).
    public var isNull: Bool {
        if case .scalar(let text, false, _) = self { return ["", "~", "null", "Null", "NULL"].contains(text) }
        return false
    }

    /// The scalar text, when this is a scalar that is not null.
    public var text: String? {
        if case .scalar(let text, _, _) = self, !isNull { return text }
        return nil
    }

    /// The node as JSON, scalars typed by the YAML core schema.
    public var json: JSON {
        switch self {
        case .scalar(let text, let quoted, _):
            if quoted { return .string(text) }
            if isNull { return .null }
            switch text {
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: break
            }
            if let number = Self.number(text) { return .number(number) }
            return .string(text)
        case .mapping(let entries, _):
            return .object(Dictionary(entries.map { ($0.key, $0.value.json) }, uniquingKeysWith: { _, last in last }))
        case .sequence(let items, _):
            return .array(items.map(\.json))
        }
    }

    private static func number(_ text: String) -> Double? {
        guard let first = text.first, first.isNumber || first == "-" || first == "+" || first == "." else { return nil }
        if text.hasPrefix("0x"), let value = Int(text.dropFirst(2), radix: 16) { return Double(value) }
        guard text.allSatisfy({ $0.isNumber || "+-.eE_".contains($0) }) else { return nil }
        return Double(text.replacingOccurrences(of: "_", with: ""))
    }
}

/// A problem in the config: where, at which key path, and what. Warnings do not stop the bot.
public struct ConfigDiagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable {
        case error, warning
    }

    public var severity: Severity
    public var location: SourceLocation?
    /// `rules[2].where.export.format`
    public var path: String
    public var message: String

    public init(_ severity: Severity = .error, at location: SourceLocation?, path: String, _ message: String) {
        self.severity = severity
        self.location = location
        self.path = path
        self.message = message
    }

    /// `config/avala-bot.yaml:14 rules[2].where: unknown operator 'glb'` (warnings say so).
    public var description: String {
        let prefix = severity == .warning ? "warning: " : ""
        let place = [location?.description, path.isEmpty ? nil : path].compactMap { $0 }.joined(separator: " ")
        return "\(place): \(prefix)\(message)"
    }
}

extension ConfigNode: Decodable {
    /// From any decoder, without locations (the config loader's own decoder keeps them).
    public init(from decoder: any Decoder) throws {
        let unknown = SourceLocation(file: "<decoded>", line: 0, column: 0)
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .scalar("", quoted: false, unknown)
        } else if let value = try? container.decode(Bool.self) {
            self = .scalar(value ? "true" : "false", quoted: false, unknown)
        } else if let value = try? container.decode(Double.self) {
            self = .scalar(JSON.number(value).text, quoted: false, unknown)
        } else if let value = try? container.decode(String.self) {
            self = .scalar(value, quoted: true, unknown)
        } else if let value = try? container.decode([ConfigNode].self) {
            self = .sequence(value, unknown)
        } else {
            let object = try container.decode([String: ConfigNode].self)
            self = .mapping(
                object.keys.sorted().map { Entry(key: $0, keyLocation: unknown, value: object[$0]!) },
                unknown
            )
        }
    }
}
