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

    /// How a scalar was written, which decides how it is typed and how errors may show it.
    public enum ScalarStyle: Hashable, Sendable {
        /// Typed by the YAML core schema: null, booleans, numbers, else text.
        case plain
        /// Always text.
        case quoted
        /// The value of a `${…}` reference, written as `reference` (`${NAME}`, `${file:/path}`). Text in
        /// ``json`` (a secret `0123` must stay `0123`); read as a number or a boolean only where the
        /// key expects one. Its value may be a secret, so messages name the reference, never the value.
        /// `resolved` is false when `check-config --no-env` left the reference as written.
        case reference(String, resolved: Bool)
    }

    /// A scalar's text and how it was written.
    case scalar(String, ScalarStyle, SourceLocation)
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

    /// The node at a key path as diagnostics write it (`receivers.ops.slack.url`, `silences[0].until`),
    /// or nil when this tree has none there.
    /// A name with a dot in it (a receiver `ops.eu`) is one key: the shortest run of dotted parts that
    /// the mapping has.
    public func node(atKeyPath path: String) -> ConfigNode? {
        var current: ConfigNode? = self
        let parts = path.split(separator: ".").map(String.init)
        var start = 0
        while start < parts.count {
            var end = start
            while end < parts.count - 1, current?[String(parts[start...end].joined(separator: ".").prefix { $0 != "[" })] == nil {
                end += 1
            }
            if current?[String(parts[start...end].joined(separator: ".").prefix { $0 != "[" })] == nil { end = start }
            let component = parts[start...end].joined(separator: ".")
            start = end + 1
            let name = component.prefix { $0 != "[" }
            if !name.isEmpty { current = current?[String(name)] }
            for index in component.dropFirst(name.count).split(separator: "[").compactMap({ Int($0.dropLast()) }) {
                guard let items = current?.items, items.indices.contains(index) else { return nil }
                current = items[index]
            }
        }
        return current
    }

    /// A plain scalar that YAML reads as null (`~`, `null`, or nothing).
    public var isNull: Bool {
        if case .scalar(let text, .plain, _) = self { return ["", "~", "null", "Null", "NULL"].contains(text) }
        return false
    }

    /// The scalar text, when this is a scalar that is not null.
    public var text: String? {
        if case .scalar(let text, _, _) = self, !isNull { return text }
        return nil
    }

    /// The `${…}` reference this scalar's value came from, as written.
    public var reference: String? {
        if case .scalar(_, .reference(let reference, _), _) = self { return reference }
        return nil
    }

    /// A reference `check-config --no-env` left unresolved: its value is unknown.
    public var isUnresolvedReference: Bool {
        if case .scalar(_, .reference(_, resolved: false), _) = self { return true }
        return false
    }

    /// Text that may be a rule's template: written in the file, not the value of a `${…}` reference. A
    /// referenced value is data (a token with `{{` in it stays as it is): never parsed as a template,
    /// so it can neither splice event data into a secret nor fail to parse at a column inside one.
    public var templateText: String? {
        guard case .scalar(let text, let style, _) = self else { return nil }
        if case .reference = style { return nil }
        guard case .string = json else { return nil }
        return text
    }

    /// For messages: `a mapping`, `a list`, `'text'`, `nothing`, and for a reference `the value of
    /// ${NAME}` — never a referenced value, which may be a secret.
    public var kindDescription: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let text, let style, _):
            if case .reference(let reference, _) = style { return "the value of \(reference)" }
            return isNull ? "nothing" : "'\(text.prefix(60))'"
        }
    }

    /// The node as JSON, scalars typed by the YAML core schema; a reference's value is text.
    public var json: JSON {
        switch self {
        case .scalar(let text, let style, _):
            if style != .plain { return .string(text) }
            if isNull { return .null }
            switch text {
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: break
            }
            // An integer exactly, also beyond 2^53 (an id a rule compares with an event's).
            if let whole = Int64(text) { return .exactInteger(whole) }
            if let number = Self.number(text) { return .number(number) }
            return .string(text)
        case .mapping(let entries, _):
            return .object(Dictionary(entries.map { ($0.key, $0.value.json) }, uniquingKeysWith: { _, last in last }))
        case .sequence(let items, _):
            return .array(items.map(\.json))
        }
    }

    /// The node as JSON where the key expects a number or a boolean: a reference's value is then typed
    /// as if written plainly (`${RPM}` holding `90` is the number 90).
    public var typedJSON: JSON {
        if case .scalar(let text, .reference, let location) = self { return ConfigNode.scalar(text, .plain, location).json }
        return json
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
    /// The location is shown with its column (`bot.yaml:3:15`): for what the YAML reader refuses, which
    /// has no key path to name and is found at a character, not at a key.
    public var showsColumn = false

    public init(_ severity: Severity = .error, at location: SourceLocation?, path: String, _ message: String) {
        self.severity = severity
        self.location = location
        self.path = path
        self.message = message
    }

    /// `config/avala-bot.yaml:14 rules[2].where: unknown operator 'glb'` (warnings say so).
    public var description: String {
        let prefix = severity == .warning ? "warning: " : ""
        let at = location.map { showsColumn ? "\($0.file):\($0.line):\($0.column)" : $0.description }
        let place = [at, path.isEmpty ? nil : path].compactMap { $0 }.joined(separator: " ")
        return "\(place): \(prefix)\(message)"
    }
}

extension ConfigNode: Decodable {
    /// From any decoder, without locations (the config loader's own decoder keeps them).
    public init(from decoder: any Decoder) throws {
        let unknown = SourceLocation(file: "<decoded>", line: 0, column: 0)
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .scalar("", .plain, unknown)
        } else if let value = try? container.decode(Bool.self) {
            self = .scalar(value ? "true" : "false", .plain, unknown)
        } else if let value = try? container.decode(Int64.self) {
            // Before Double: an id past 2^53 would come out as its rounded neighbour.
            self = .scalar(String(value), .plain, unknown)
        } else if let value = try? container.decode(Double.self) {
            self = .scalar(JSON.number(value).text, .plain, unknown)
        } else if let value = try? container.decode(String.self) {
            self = .scalar(value, .quoted, unknown)
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
