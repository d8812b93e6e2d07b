import BotKit
import Foundation
import Logging

/// One reconciliation of the roster with the organization: invite who is missing, report extras, and
/// remove them only when `remove_extras: true` is written.
///
/// Each address is invited under the same ``InviteLock`` `invite.send` takes, and checked against the
/// API again once the locks are held, so a rule's invitation and the roster's never both go out. An
/// address Avala refuses for good is reported (unless it turns out pending: an earlier request whose
/// answer was lost invited it) and the others go on; a transient failure stops the run, which the
/// dispatcher retries (everything done so far is then found pending and skipped, and an address whose
/// request got no answer waits until that request can no longer land).
struct RosterReconciler {
    let roster: Roster
    let domains: DomainGuard

    func run(context: PluginContext) async throws -> ActionOutcome {
        let read: (text: String, contents: RosterContents)
        do {
            read = try roster.read()
        } catch let problem as RosterProblem {
            return .failed(problem.description)
        }
        let entries = read.contents.entries
        await logWarnings(InvitePlugin.warnings(in: read.contents, file: roster.file, domains: domains), text: read.text, context: context)
        if entries.isEmpty, roster.removeExtras {
            // An empty file is more likely one caught mid-rewrite than a wish to remove everyone.
            return .failed(
                "roster \(roster.file) lists nobody; with remove_extras on that would remove every member of \(roster.organization) "
                    + "but the owners, so nothing was done"
            )
        }
        let organization = roster.organization
        var members = try await context.avala.members(organization: organization)
        var (pending, expired) = Self.invitations(try await context.avala.pendingInvitations(organization: organization), now: context.now())
        let listed = Set(entries.map(\.email))

        var toInvite: [Roster.Entry] = []
        var refused: [String] = []
        var alreadyInvited = 0
        let memberEmails = Self.emails(members)
        for entry in entries where !memberEmails.contains(entry.email) {
            if pending.contains(entry.email) {
                alreadyInvited += 1
            } else if !domains.allows(entry.email) {
                refused.append(entry.email)
            } else if !toInvite.contains(where: { $0.email == entry.email }) {
                // A file that lists someone twice still sends one invitation.
                toInvite.append(entry)
            }
        }

        var invited: [String] = []
        var resent: [String] = []
        var busy: [String] = []
        var failures: [String] = []
        var locks: [InviteLock] = []
        var lockByEmail: [String: InviteLock] = [:]
        var refusedByAPI: [(email: String, message: String)] = []
        var waiting: [String] = []
        var waitingUntil: Date?
        var renewedAt = context.now()
        do {
            if !context.dryRun, !toInvite.isEmpty {
                for entry in toInvite {
                    let lock = InviteLock(state: context.state, key: "lock:\(organization):\(entry.email)", owner: context.idempotencyKey)
                    if try await lock.acquire(now: context.now()) != nil {
                        busy.append(entry.email)
                    } else {
                        locks.append(lock)
                        lockByEmail[entry.email] = lock
                    }
                }
                toInvite.removeAll { busy.contains($0.email) }
                // What was read before the locks may be stale: an invite.send may have sent just before.
                members = try await context.avala.members(organization: organization)
                (pending, expired) = Self.invitations(try await context.avala.pendingInvitations(organization: organization), now: context.now())
                let present = Self.emails(members).union(pending)
                alreadyInvited += toInvite.filter { present.contains($0.email) }.count
                toInvite.removeAll { present.contains($0.email) }
            }
            for entry in toInvite {
                if !context.dryRun {
                    // A long roster outlasts a lease (each invitation waits for the request budget): the
                    // remaining leases are renewed well before they expire, so no invite.send takes one
                    // over meanwhile. One that was lost anyway is left to whoever holds it.
                    if let ttl = locks.first?.ttl, context.now().timeIntervalSince(renewedAt) > ttl / 3 {
                        renewedAt = context.now()
                        for (email, lock) in lockByEmail where try await lock.acquire(now: renewedAt) != nil {
                            lockByEmail[email] = nil
                            busy.append(email)
                        }
                    }
                    guard lockByEmail[entry.email] != nil else { continue }
                    // As `invite`: after a request that got no answer, nothing is sent to that address
                    // until the request can no longer land.
                    let intentKey = "invite:\(context.idempotencyKey):\(entry.email)"
                    if let settled = try await UnansweredRequest.settled(intentKey, context: context), context.now() < settled {
                        waitingUntil = min(waitingUntil ?? settled, settled)
                        waiting.append(entry.email)
                        continue
                    }
                    // As `invite`: one whose only invitation listed has expired gets it sent again.
                    let delivery = InvitationDelivery(
                        organization: organization,
                        email: entry.email,
                        role: entry.role ?? roster.role,
                        intentKey: intentKey
                    )
                    do {
                        switch try await delivery.send(replacing: expired[entry.email], context: context) {
                        case .invited: invited.append(entry.email)
                        case .resent: resent.append(entry.email)
                        case .replaced: resent.append("\(entry.email) (cancelled and invited anew: Avala would not resend it)")
                        }
                    } catch let inFlight as InvitationDelivery.ResendInFlight {
                        // Another action's re-send of it may still land: as after this one's own.
                        waitingUntil = min(waitingUntil ?? inFlight.until, inFlight.until)
                        waiting.append(entry.email)
                    } catch let error as ActionError where error.isPermanent {
                        refusedByAPI.append((entry.email, error.message))
                    }
                } else if expired[entry.email] != nil {
                    resent.append(entry.email)
                } else {
                    invited.append(entry.email)
                }
            }
            if !refusedByAPI.isEmpty {
                // Refused, perhaps because an earlier request whose answer was lost did invite them.
                let now = Self.invitations(try await context.avala.pendingInvitations(organization: organization), now: context.now()).live
                for (email, message) in refusedByAPI {
                    if now.contains(email) { alreadyInvited += 1 } else { failures.append("\(email): \(message)") }
                }
            }
        } catch {
            for lock in locks { try? await lock.release() }
            throw error
        }
        for lock in locks { try await lock.release() }

        // Extras follow from the roster and the member list alone, so a refused invitation does not put
        // them in doubt: they are still removed (when asked), each on its own.
        let extras = members.filter { member in
            guard let email = member.email?.lowercased() else { return false }
            return !listed.contains(email) && member.role != InviteRole.owner.rawValue
        }
        var removed: [String] = []
        if roster.removeExtras, !context.dryRun {
            for member in extras {
                let name = member.email ?? member.userUID
                do {
                    try await context.avala.removeMember(organization: organization, userUID: member.userUID)
                    removed.append(name)
                } catch let error as ActionError where error.isPermanent {
                    failures.append("removing \(name): \(error.message)")
                }
            }
        }
        var parts = ["roster \(roster.file) → \(organization): \(entries.count) listed"]
        let verb = context.dryRun ? "would invite" : "invited"
        parts.append("\(verb) \(invited.count)\(Self.names(invited))")
        if !resent.isEmpty {
            parts.append("\(context.dryRun ? "would re-send" : "re-sent") \(resent.count) expired invitations\(Self.names(resent))")
        }
        if alreadyInvited > 0 { parts.append("\(alreadyInvited) already invited") }
        if !busy.isEmpty { parts.append("\(busy.count) being invited by another action\(Self.names(busy))") }
        if !refused.isEmpty { parts.append("refused \(refused.count) outside allowed_domains\(Self.names(refused))") }
        if roster.removeExtras {
            parts.append(
                "\(context.dryRun ? "would remove" : "removed") \(context.dryRun ? extras.count : removed.count) extras\(Self.names(context.dryRun ? extras.map { $0.email ?? $0.userUID } : removed))"
            )
        } else if !extras.isEmpty {
            parts.append("\(extras.count) not on the roster (kept; remove_extras is off)\(Self.names(extras.map { $0.email ?? $0.userUID }))")
        }
        if !failures.isEmpty { parts.append("Avala refused \(failures.count)\(Self.names(failures))") }
        if !waiting.isEmpty {
            parts.append("\(waiting.count) waiting for an earlier request that got no answer\(Self.names(waiting))")
        }
        let summary = parts.joined(separator: "; ")
        context.logger.info(
            "Roster reconciled",
            metadata: [
                "roster.organization": "\(organization)", "roster.invited": "\(invited.count)", "roster.resent": "\(resent.count)",
                "roster.refused_by_api": "\(failures.count)",
            ]
        )
        // A refusal is dead-lettered with the whole summary, so it can be alerted on; what did work is in it too.
        if !failures.isEmpty { return .failed(summary) }
        // Run again once the unanswered requests can no longer land: those found pending then are skipped.
        if let waitingUntil { return .deferred(until: waitingUntil, reason: summary) }
        return invited.isEmpty && resent.isEmpty && removed.isEmpty ? .skipped(summary) : .done(summary)
    }

    /// What `check-config` and a reload warn about in the file, logged by the running bot too: once per
    /// change of the file, not every cycle. The file's fingerprint is kept in the plugin's state, so a
    /// plugin built anew by a reload (which reports them itself) or a restart does not log them again.
    private func logWarnings(_ warnings: [RosterProblem], text: String, context: PluginContext) async {
        let key = "roster.warned:\(roster.file)"
        let fingerprint = JSON.string(Self.fingerprint(text))
        // Unreadable state only means the warnings may be logged once more; it is no reason to stop.
        guard (try? await context.state.get(key)) != fingerprint else { return }
        try? await context.state.set(key, fingerprint)
        for warning in warnings {
            context.logger.warning(
                "Roster file has a problem the reconcile reads past",
                metadata: [
                    "roster.organization": "\(roster.organization)", "roster.file": "\(warning.file ?? roster.file)",
                    "roster.line": "\(warning.line.map(String.init) ?? "-")", "roster.problem": "\(warning.reason)",
                ]
            )
        }
    }

    /// FNV-1a (64 bits) of the file's bytes: the same in every process, unlike `Hasher`, so a restart
    /// knows the file it already warned about.
    static func fingerprint(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    /// The addresses with a live invitation listed, and, for each other address listed, its expired
    /// invitation: that one is sent again rather than a second one made.
    static func invitations(_ listed: [AvalaInvitation], now: Date) -> (live: Set<String>, expired: [String: AvalaInvitation]) {
        let live = Set(listed.filter { !$0.hasExpired(at: now) }.map { $0.email.lowercased() })
        var expired: [String: AvalaInvitation] = [:]
        for invitation in listed where !live.contains(invitation.email.lowercased()) {
            expired[invitation.email.lowercased()] = expired[invitation.email.lowercased()] ?? invitation
        }
        return (live, expired)
    }

    static func emails(_ members: [AvalaMember]) -> Set<String> {
        Set(members.compactMap { $0.email?.lowercased() })
    }

    /// ` (a, b, c …)`: at most ten names, so an outcome stays readable.
    static func names(_ list: [String]) -> String {
        guard !list.isEmpty else { return "" }
        let shown = list.prefix(10).joined(separator: ", ")
        return " (\(shown)\(list.count > 10 ? ", … \(list.count - 10) more" : ""))"
    }
}
