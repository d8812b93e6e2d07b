import Foundation

extension InvitePlugin {
    /// What the roster reconcile would find wrong with the file at `path` (`plugins.invite.roster.file`):
    /// missing, a directory, unreadable, or not a roster (an address, a role, an unclosed quote), the
    /// last with the file's line. `check-config` reports it at the key, rather than the first scheduled
    /// reconcile dead-lettering hours after a deploy.
    ///
    /// ```swift
    /// let problem = InvitePlugin.rosterFileProblem(atPath: "/etc/avala-bot/roster.csv")
    /// // nil, or "'/etc/avala-bot/roster.csv': no such file", or "/etc/avala-bot/roster.csv:3: 'bo' is not an email address"
    /// ```
    ///
    /// - Returns: nil when the file reads and parses.
    public static func rosterFileProblem(atPath path: String) -> String? {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: path, isDirectory: &isDirectory) else { return "'\(path)': no such file" }
        guard !isDirectory.boolValue else { return "'\(path)' is a directory, not a roster file" }
        guard files.isReadableFile(atPath: path), let data = files.contents(atPath: path) else {
            return "'\(path)' is not readable by this user"
        }
        do {
            _ = try Roster.parse(String(decoding: data, as: UTF8.self), file: path)
            return nil
        } catch {
            return "\(error)"
        }
    }
}
