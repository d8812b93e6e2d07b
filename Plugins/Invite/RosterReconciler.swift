import BotKit
import Foundation
import Logging

/// One reconciliation of the roster with the organization: invite who is missing, report extras, and
/// remove them only when `remove_extras: true` is written.
struct RosterReconciler {
    let roster: Roster
    let domains: DomainGuard

    func run(context: PluginContext) async throws -> ActionOutcome {
        let entries: [Roster.Entry]
        do {
            entries = try roster.entries()
        } catch let problem as RosterProblem {
            return .failed(problem.description)
        }
        let organization = roster.organization
        let members = try await context.avala.members(organization: organization)
        let memberEmails = Set(members.compactMap { $0.email?.lowercased() })
        let pending = Set(try await context.avala.pendingInvitations(organization: organization).map { $0.email.lowercased() })
        let listed = Set(entries.map(\.email))

        var invited: [String] = []
        var refused: [String] = []
        var alreadyInvited = 0
        for entry in entries where !memberEmails.contains(entry.email) {
            if pending.contains(entry.email) {
                alreadyInvited += 1
                continue
            }
            guard domains.allows(entry.email) else {
                refused.append(entry.email)
                continue
            }
            if !context.dryRun {
                _ = try await context.avala.invite(organization: organization, email: entry.email, role: entry.role ?? roster.role)
            }
            invited.append(entry.email)
        }
        let extras = members.filter { member in
            guard let email = member.email?.lowercased() else { return false }
            return !listed.contains(email) && member.role != InviteRole.owner.rawValue
        }
        var removed: [String] = []
        if roster.removeExtras, !context.dryRun {
            for member in extras {
                try await context.avala.removeMember(organization: organization, userUID: member.userUID)
                removed.append(member.email ?? member.userUID)
            }
        }
        var parts = ["roster \(roster.file) → \(organization): \(entries.count) listed"]
        let verb = context.dryRun ? "would invite" : "invited"
        parts.append("\(verb) \(invited.count)\(Self.names(invited))")
        if alreadyInvited > 0 { parts.append("\(alreadyInvited) already invited") }
        if !refused.isEmpty { parts.append("refused \(refused.count) outside allowed_domains\(Self.names(refused))") }
        if roster.removeExtras {
            parts.append(
                "\(context.dryRun ? "would remove" : "removed") \(context.dryRun ? extras.count : removed.count) extras\(Self.names(context.dryRun ? extras.map { $0.email ?? $0.userUID } : removed))"
            )
        } else if !extras.isEmpty {
            parts.append("\(extras.count) not on the roster (kept; remove_extras is off)\(Self.names(extras.map { $0.email ?? $0.userUID }))")
        }
        let summary = parts.joined(separator: "; ")
        context.logger.info("Roster reconciled", metadata: ["roster.organization": "\(organization)", "roster.invited": "\(invited.count)"])
        return invited.isEmpty && removed.isEmpty ? .skipped(summary) : .done(summary)
    }

    /// ` (a, b, c …)`: at most ten names, so an outcome stays readable.
    static func names(_ list: [String]) -> String {
        guard !list.isEmpty else { return "" }
        let shown = list.prefix(10).joined(separator: ", ")
        return " (\(shown)\(list.count > 10 ? ", … \(list.count - 10) more" : ""))"
    }
}
