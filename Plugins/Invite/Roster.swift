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

    /// The file as read now: its text, and the people in it with their lines and the warnings.
    /// - Throws: ``RosterProblem`` naming the file and line.
    func read() throws -> (text: String, contents: RosterContents) {
        let text: String
        do {
            text = try TextFile.read(file)
        } catch {
            throw RosterProblem(description: "\(file): cannot read the roster file: \(error.reason)")
        }
        return (text, try Self.read(text, file: file))
    }

    /// The people in a roster file's `text`, read as YAML or CSV by the file's extension.
    /// - Throws: ``RosterProblem`` naming the file and line.
    static func parse(_ text: String, file: String) throws -> [Entry] {
        try read(text, file: file).entries
    }

    /// ``parse(_:file:)`` with each entry's line and the warnings: an address listed twice with the same
    /// role (or one role left empty: invited once, with the role given), CSV columns that are not read.
    /// - Throws: ``RosterProblem`` naming the file and line, also for an address listed twice with two
    ///   roles (which one is meant cannot be told).
    static func read(_ text: String, file: String) throws -> RosterContents {
        let lower = file.lowercased()
        var contents = try lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") ? Self.readYAML(text, file: file) : Self.readCSV(text, file: file)
        var first: [String: Int] = [:]
        for (index, entry) in contents.entries.enumerated() {
            guard let earlier = first[entry.email] else {
                first[entry.email] = index
                continue
            }
            let (line, earlierLine) = (contents.lines[index], contents.lines[earlier])
            let (role, earlierRole) = (entry.role, contents.entries[earlier].role)
            if let role, let earlierRole, role != earlierRole {
                throw RosterProblem(
                    description:
                        "\(file):\(line): \(entry.email) is listed again, as \(role), after line \(earlierLine) listed it as \(earlierRole): keep one"
                )
            }
            contents.warnings.append(
                RosterProblem(warning: "\(entry.email) is listed again (first at line \(earlierLine)); it is invited once", file: file, line: line)
            )
        }
        return contents
    }

    static func parseCSV(_ text: String, file: String) throws -> [Entry] {
        try readCSV(text, file: file).entries
    }

    static func parseYAML(_ text: String, file: String) throws -> [Entry] {
        try readYAML(text, file: file).entries
    }

    private static func readCSV(_ text: String, file: String) throws -> RosterContents {
        var records: [CSVRecord]
        do {
            records = try CSVRecord.parse(text)
        } catch {
            throw RosterProblem(description: "\(file):\(error.line): \(error.reason)")
        }
        var contents = RosterContents()
        guard let header = records.first else { return contents }
        let columns = header.fields.map { $0.lowercased() }
        guard let emailColumn = columns.firstIndex(of: "email") else {
            throw RosterProblem(description: "\(file):\(header.line): the first line must name the columns, one of them 'email'")
        }
        let roleColumn = columns.firstIndex(of: "role")
        // Columns are read by name, so one named otherwise (a spreadsheet's `name`) is allowed, but said:
        // a misspelt `rol` would otherwise leave every role at the default without a word.
        let unread = header.fields.indices.filter { $0 != emailColumn && $0 != roleColumn }
        if !unread.isEmpty {
            let names = unread.map { header.fields[$0].isEmpty ? "an unnamed column (\($0 + 1))" : "'\(header.fields[$0])' (column \($0 + 1))" }
            contents.warnings.append(
                RosterProblem(
                    warning: "\(names.joined(separator: ", ")) \(unread.count == 1 ? "is" : "are") not read: a roster reads email and role",
                    file: file,
                    line: header.line
                )
            )
        }
        records.removeFirst()
        var overflowing: [(line: Int, column: Int, value: String)] = []
        for record in records {
            let fields = record.fields
            guard fields.indices.contains(emailColumn) else { throw RosterProblem(description: "\(file):\(record.line): no email column") }
            // A field beyond the header's columns has no name to be read by (often an unquoted comma).
            if let extra = fields.indices.first(where: { $0 >= header.fields.count && !fields[$0].isEmpty }) {
                overflowing.append((record.line, extra + 1, fields[extra]))
            }
            contents.entries.append(
                try entry(
                    email: fields[emailColumn],
                    role: roleColumn.flatMap { fields.indices.contains($0) ? fields[$0] : nil },
                    file: file,
                    line: record.line
                )
            )
            contents.lines.append(record.line)
        }
        if let first = overflowing.first {
            let others = overflowing.count > 1 ? " (and \(overflowing.count - 1) more line\(overflowing.count == 2 ? "" : "s"))" : ""
            contents.warnings.append(
                RosterProblem(
                    warning: "field \(first.column) ('\(first.value)') is beyond the \(header.fields.count) columns "
                        + "line \(header.line) names, so it is not read\(others); quote a value that holds a comma",
                    file: file,
                    line: first.line
                )
            )
        }
        return contents
    }

    private static func readYAML(_ text: String, file: String) throws -> RosterContents {
        var contents = RosterContents()
        var current: (email: String?, role: String?, line: Int)?
        func flush() throws {
            guard let item = current else { return }
            guard let email = item.email else { throw RosterProblem(description: "\(file):\(item.line): an item without email") }
            contents.entries.append(try entry(email: email, role: item.role, file: file, line: item.line))
            contents.lines.append(item.line)
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
        return contents
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
