import BotKit
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
        let text: String
        do {
            text = try TextFile.read(path)
        } catch {
            return "'\(path)': \(error.reason)"
        }
        do {
            _ = try Roster.parse(text, file: path)
            return nil
        } catch {
            return "\(error)"
        }
    }
}
