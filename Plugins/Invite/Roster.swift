import BotKit
import Foundation

/// `plugins.invite.roster`: who should be in an organization, read from a CSV or YAML file.
///
/// CSV (RFC 4180, as spreadsheets export it: quoted fields, `""`, CRLF, a byte order mark; see
/// ``CSVRecord``): a header naming `email` (and optionally `role`), one person per record; `#` lines are
/// comments. YAML: a list whose items are an address or `{email, role}`:
/// ```yaml
/// - ana@acme.ai
/// - email: bo@acme.ai
///   role: admin
/// ```
struct Roster: Sendable {
    struct Entry: Hashable, Sendable {
        var email: String
        var role: String?
    }

    var file: String
    var organization: String
    var role: String
    var every: Duration?
    var removeExtras: Bool

    static let keys = ["file", "organization", "role", "every", "remove_extras"]

    init(config value: JSON) throws {
        guard case .object(let object) = value else {
            throw PluginConfigError(key: "roster", "expected {file, organization, role, every, remove_extras}")
        }
        for key in object.keys where !Self.keys.contains(key) {
            throw PluginConfigError(key: "roster.\(key)", "unknown key '\(key)'; known: \(Self.keys.joined(separator: ", "))")
        }
        let config = PluginConfig(object)
        func required(_ key: String) throws -> String {
            guard let text = try Self.wrap(key, { try config.string(key) }), !text.isEmpty else {
                throw PluginConfigError(key: "roster.\(key)", "required")
            }
            return text
        }
        file = try required("file")
        organization = try required("organization")
        role = try Self.wrap("role") { try config.string("role") } ?? InviteRole.member.rawValue
        guard InviteRole(rawValue: role) != nil else {
            throw PluginConfigError(key: "roster.role", "'\(role)' is not one of: \(InviteRole.names.joined(separator: ", "))")
        }
        every = try Self.wrap("every") { try config.duration("every") }
        removeExtras = try Self.wrap("remove_extras") { try config.bool("remove_extras") } ?? false
    }

    /// Re-throws a nested config error with its full path below `plugins.invite`.
    private static func wrap<T>(_ key: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PluginConfigError {
            throw PluginConfigError(key: "roster.\(error.key)", error.message)
        }
    }

    /// The people listed in the file.
    /// - Throws: ``RosterProblem`` naming the file and line.
    func entries() throws -> [Entry] {
        let text: String
        do {
            text = try TextFile.read(file)
        } catch {
            throw RosterProblem(description: "\(file): cannot read the roster file: \(error.reason)")
        }
        return try Self.parse(text, file: file)
    }

    /// The people in a roster file's `text`, read as YAML or CSV by the file's extension.
    /// - Throws: ``RosterProblem`` naming the file and line.
    static func parse(_ text: String, file: String) throws -> [Entry] {
        let lower = file.lowercased()
        return try lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") ? Self.parseYAML(text, file: file) : Self.parseCSV(text, file: file)
    }

    static func parseCSV(_ text: String, file: String) throws -> [Entry] {
        var records: [CSVRecord]
        do {
            records = try CSVRecord.parse(text)
        } catch {
            throw RosterProblem(description: "\(file):\(error.line): \(error.reason)")
        }
        guard let header = records.first else { return [] }
        let columns = header.fields.map { $0.lowercased() }
        guard let emailColumn = columns.firstIndex(of: "email") else {
            throw RosterProblem(description: "\(file):\(header.line): the first line must name the columns, one of them 'email'")
        }
        let roleColumn = columns.firstIndex(of: "role")
        records.removeFirst()
        return try records.map { record in
            let fields = record.fields
            guard fields.indices.contains(emailColumn) else { throw RosterProblem(description: "\(file):\(record.line): no email column") }
            return try entry(
                email: fields[emailColumn],
                role: roleColumn.flatMap { fields.indices.contains($0) ? fields[$0] : nil },
                file: file,
                line: record.line
            )
        }
    }

    static func parseYAML(_ text: String, file: String) throws -> [Entry] {
        var entries: [Entry] = []
        var current: (email: String?, role: String?, line: Int)?
        func flush() throws {
            guard let item = current else { return }
            guard let email = item.email else { throw RosterProblem(description: "\(file):\(item.line): an item without email") }
            entries.append(try entry(email: email, role: item.role, file: file, line: item.line))
            current = nil
        }
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            var line = String(raw)
            if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]) }
            let trimmed = line.trimmingWhitespace
            if trimmed.isEmpty || trimmed == "---" { continue }
            var body = trimmed
            if trimmed.hasPrefix("- ") || trimmed == "-" {
                try flush()
                current = (nil, nil, lineNumber)
                body = String(trimmed.dropFirst(1)).trimmingWhitespace
                if body.isEmpty { continue }
                if !body.contains(":") {
                    current?.email = unquote(body)
                    continue
                }
            } else if current == nil {
                throw RosterProblem(description: "\(file):\(lineNumber): expected a list item ('- address' or '- email: address')")
            }
            let pair = body.split(separator: ":", maxSplits: 1).map { String($0).trimmingWhitespace }
            guard pair.count == 2 else { throw RosterProblem(description: "\(file):\(lineNumber): expected 'key: value'") }
            switch pair[0] {
            case "email": current?.email = unquote(pair[1])
            case "role": current?.role = unquote(pair[1])
            default: throw RosterProblem(description: "\(file):\(lineNumber): unknown key '\(pair[0])' (email, role)")
            }
        }
        try flush()
        return entries
    }

    private static func unquote(_ text: String) -> String {
        if text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first {
            return String(text.dropFirst().dropLast())
        }
        return text
    }

    private static func entry(email raw: String, role: String?, file: String, line: Int) throws -> Entry {
        guard case .success(let email) = EmailAddress.normalize(raw) else {
            throw RosterProblem(description: "\(file):\(line): '\(raw)' is not an email address")
        }
        let role = role.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        if let role, InviteRole(rawValue: role) == nil {
            throw RosterProblem(description: "\(file):\(line): role '\(role)' is not one of: \(InviteRole.names.joined(separator: ", "))")
        }
        return Entry(email: email, role: role)
    }
}

/// A roster file that cannot be used, with its file and line.
struct RosterProblem: Error, CustomStringConvertible {
    let description: String
}
