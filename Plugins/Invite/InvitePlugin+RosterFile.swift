import BotKit
import Foundation

extension InvitePlugin {
    /// What the roster reconcile would find wrong with the file at `path` (`plugins.invite.roster.file`):
    /// missing, a directory, unreadable, or not a roster (an address, a role, an unclosed quote, an
    /// address listed twice with two roles), the last with the file's line; and, as warnings, what it
    /// would read otherwise than written (a column it does not read, an address listed twice). `check-config`
    /// reports each at the key, rather than the first scheduled reconcile dead-lettering hours after a deploy.
    ///
    /// ```swift
    /// let problems = InvitePlugin.rosterFileProblems(atPath: "/etc/avala-bot/roster.csv")
    /// // [], or ["'/etc/avala-bot/roster.csv': no such file"], or ["/etc/avala-bot/roster.csv:3: 'bo' is not an email address"]
    /// ```
    ///
    /// - Returns: empty when the file reads and parses without a remark.
    public static func rosterFileProblems(atPath path: String) -> [RosterProblem] {
        rosterFileProblems(atPath: path, domains: nil)
    }

    /// ``rosterFileProblems(atPath:)`` with this plugin's `allowed_domains`: an address outside them is
    /// a warning at its line, since the reconcile reports it as refused, every time, and invites the rest.
    public func rosterFileProblems(atPath path: String) -> [RosterProblem] {
        Self.rosterFileProblems(atPath: path, domains: domains)
    }

    private static func rosterFileProblems(atPath path: String, domains: DomainGuard?) -> [RosterProblem] {
        let text: String
        do {
            text = try TextFile.read(path)
        } catch {
            return [RosterProblem(description: "'\(path)': \(error.reason)")]
        }
        let contents: RosterContents
        do {
            contents = try Roster.read(text, file: path)
        } catch let problem as RosterProblem {
            return [problem]
        } catch {
            return [RosterProblem(description: "\(path): \(error)")]
        }
        return warnings(in: contents, file: path, domains: domains)
    }

    /// The roster's own warnings, and with `domains` each address outside them, at its line.
    static func warnings(in contents: RosterContents, file: String, domains: DomainGuard?) -> [RosterProblem] {
        var problems = contents.warnings
        guard let domains else { return problems }
        for (entry, line) in zip(contents.entries, contents.lines) where !domains.allows(entry.email) {
            problems.append(
                RosterProblem(
                    warning: "\(entry.email) is outside plugins.invite.allowed_domains (\(domains)): the reconcile refuses it",
                    file: file,
                    line: line
                )
            )
        }
        return problems
    }
}
