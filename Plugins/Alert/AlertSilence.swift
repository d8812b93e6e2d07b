public import BotKit
public import Foundation

/// A silence: while it lasts, alerts whose event matches every matcher are skipped, not sent.
///
/// Silences come from two places: `plugins.alert.silences` in the config, and the plugin state key
/// ``stateKey`` (`silences`), which the `avala-bot silences` CLI writes so that an operator can silence a
/// noisy alert without a config reload. In state they are a JSON array of objects:
///
/// ```json
/// [{"id": "3f2a…", "matchers": {"event.type": "export.failed", "project.name": "prod-*"},
///   "until": "2026-05-01T12:00:00.000Z", "comment": "migration window", "created_at": "2026-05-01T08:00:00.000Z"}]
/// ```
///
/// A matcher's key is an event path, resolved as rules resolve it (`project.uid`, `event.type`); its
/// value is compared with the path's text, and is a glob when it contains `*`. A path the event does
/// not carry never matches, not even `*`.
///
/// ```swift
/// let silence = AlertSilence(matchers: ["event.type": "export.*"], until: tomorrow, comment: "noisy")
/// try await AlertSilence.add(silence, to: state, now: Date())
/// ```
public struct AlertSilence: Hashable, Sendable {
    /// The plugin state key holding the CLI's silences.
    public static let stateKey = "silences"
    /// The keys a silence may have: the config's `matchers`, `until` and `comment`, and the state's `id` and `created_at`.
    static let keys: Set<String> = ["id", "matchers", "until", "comment", "created_at"]

    /// Unique within the state; config silences are named `config-<index>`.
    public var id: String
    /// Event path → value (a glob when it contains `*`); all must match.
    public var matchers: [String: String]
    /// The silence ends at this time (exclusive).
    public var until: Date
    /// Why, shown in the skip reason.
    public var comment: String
    /// When it was added; nil for config silences.
    public var createdAt: Date?

    public init(id: String = UUID().uuidString.lowercased(), matchers: [String: String], until: Date, comment: String = "", createdAt: Date? = nil) {
        self.id = id
        self.matchers = matchers
        self.until = until
        self.comment = comment
        self.createdAt = createdAt
    }

    /// Reads one silence from its JSON form (the config's `{matchers, until, comment}`, or the state's
    /// shape with `id` and `created_at`).
    /// - Throws: ``PluginConfigError`` whose key is relative to the silence (`until`, `matchers`).
    public init(json: JSON, defaultID: String? = nil) throws(PluginConfigError) {
        guard let object = json.objectValue else { throw PluginConfigError(key: "", "expected a mapping with matchers, until and comment") }
        if let unknown = object.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw PluginConfigError(key: unknown, "unknown key '\(unknown)'; known: matchers, until, comment")
        }
        guard let matcherObject = object["matchers"]?.objectValue, !matcherObject.isEmpty else {
            throw PluginConfigError(key: "matchers", "expected a mapping of event paths to values, with at least one entry")
        }
        var matchers: [String: String] = [:]
        for (path, value) in matcherObject.sorted(by: { $0.key < $1.key }) {
            if let problem = Self.pathProblem(path) { throw PluginConfigError(key: "matchers", problem) }
            switch value {
            case .string, .number, .integer, .bool: matchers[path] = value.text
            case .object(let operators):
                // A rule's `where` takes operators; a silence only compares (a glob when it has `*`).
                let written = operators.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
                let glob = operators["glob"]?.stringValue.flatMap { $0.contains("*") ? ": write \(path): '\($0)'" : nil } ?? ""
                throw PluginConfigError(
                    key: "matchers.\(path)",
                    "a silence's matcher takes a value, not an operator (\(written)): it equals the value, or matches it as a glob when it contains *\(glob)"
                )
            default: throw PluginConfigError(key: "matchers.\(path)", "expected a text value (a glob when it contains *)")
            }
        }
        guard let untilText = object["until"]?.stringValue else {
            throw PluginConfigError(key: "until", "expected an ISO-8601 time like 2026-05-01T12:00:00Z")
        }
        let until = try Self.until(untilText)
        let comment = object["comment"]
        guard comment == nil || comment == .null || comment?.stringValue != nil else { throw PluginConfigError(key: "comment", "expected text") }
        var createdAt: Date?
        if let createdText = object["created_at"]?.stringValue {
            guard let created = AlertTime.parse(createdText) else { throw PluginConfigError(key: "created_at", "not an ISO-8601 time") }
            createdAt = created
        }
        let id = object["id"]?.stringValue ?? defaultID ?? UUID().uuidString.lowercased()
        self.init(id: id, matchers: matchers, until: until, comment: comment?.stringValue ?? "", createdAt: createdAt)
    }

    /// Why `path` is no event path (a component is empty: `project..name`, `.uid`), or nil: such a
    /// matcher could never match, so it is refused where `where` paths are.
    public static func pathProblem(_ path: String) -> String? {
        guard path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else { return nil }
        return path.isEmpty ? "a matcher's path is empty" : "'\(path)' is not an event path like event.type or project.name"
    }

    /// An `until` as written (ISO-8601 with a time and a zone), or an error saying exactly what to write
    /// for the forms people try: a date alone, a time without a zone, a space for the `T`.
    /// - Throws: ``PluginConfigError`` with the key `until`.
    public static func until(_ text: String) throws(PluginConfigError) -> Date {
        if let date = AlertTime.parse(text) { return date }
        let example = "2026-05-01T12:00:00Z"
        let trimmed = text.trimmingWhitespace
        let isDate =
            trimmed.count == 10
            && trimmed.enumerated().allSatisfy { index, character in
                index == 4 || index == 7 ? character == "-" : character.isASCII && character.isNumber
            }
        if isDate {
            throw PluginConfigError(
                key: "until",
                "'\(text)' is a date without a time: write the time and its zone, like \(trimmed)T23:59:59Z (UTC) or \(trimmed)T23:59:59+01:00"
            )
        }
        // `2026-12-31 18:00:00`: the T, and often the zone, left out.
        var fixed = trimmed
        if fixed.count > 10, let space = fixed.index(fixed.startIndex, offsetBy: 10, limitedBy: fixed.endIndex), fixed[space] == " " {
            fixed.replaceSubrange(space...space, with: "T")
        }
        if AlertTime.parse(fixed) != nil {
            throw PluginConfigError(key: "until", "'\(text)' has a space between the date and the time: write \(fixed)")
        }
        if AlertTime.parse(fixed + "Z") != nil {
            throw PluginConfigError(key: "until", "'\(text)' has no time zone: write \(fixed)Z (UTC) or with an offset, like \(fixed)+01:00")
        }
        throw PluginConfigError(
            key: "until",
            "'\(text)' is not an ISO-8601 time like \(example) (a date, T, a time with seconds, and Z or an offset)"
        )
    }

    /// The state's JSON shape.
    public var json: JSON {
        var object: [String: JSON] = [
            "id": .string(id), "matchers": .object(matchers.mapValues(JSON.string)),
            "until": .string(AlertTime.text(until)), "comment": .string(comment),
        ]
        if let createdAt { object["created_at"] = .string(AlertTime.text(createdAt)) }
        return .object(object)
    }

    public func isActive(at now: Date) -> Bool { now < until }

    /// Whether every matcher matches `scope` (an event's ``Event/scope``).
    public func matches(_ scope: JSON) -> Bool {
        matchers.allSatisfy { path, value in
            guard let found = scope[path: path], found != .null else { return false }
            return AlertGlob(value).matches(found.text)
        }
    }

    /// The skip reason for an alert this silence holds back.
    var reason: String {
        let why = comment.isEmpty ? "" : " (\(comment))"
        return "silenced until \(AlertTime.text(until))\(why)"
    }
}
