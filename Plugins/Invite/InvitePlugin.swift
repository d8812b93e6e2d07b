public import BotKit
import Foundation
import Logging

/// `invite`: auto-invite onboarding. Sends an invitation only after the API says the address is neither
/// a member nor already invited, so a retry, a crash or a duplicate event never sends a second one. An
/// invitation the API still lists after it expired invites nobody: it is sent again (see
/// ``InvitationDelivery``).
///
/// ```yaml
/// plugins:
///   invite: { allowed_domains: [acme.ai] }
/// rules:
///   - name: welcome-to-labelers
///     on: member.joined
///     do:
///       - invite: { organization: acme-labelers, email: "{{member.email}}", role: member }
/// ```
public struct InvitePlugin: BotPlugin {
    public static let name = "invite"
    public static let actions = [
        ActionSpec(
            "send",
            main: true,
            parameters: [
                ParameterSpec("organization", .string, required: true, summary: "Organization slug to invite into."),
                ParameterSpec("email", .string, required: true, summary: "Address to invite; a template."),
                ParameterSpec("role", .string, choices: InviteRole.names, summary: "owner, admin or member; default member."),
                ParameterSpec("team", .string, summary: "Team slug to add the person to once they join (invite.add_to_team)."),
            ],
            summary: "Invite an address unless it is already a member or invited; an expired invitation is re-sent."
        ),
        ActionSpec(
            "resend",
            parameters: [
                ParameterSpec("organization", .string, required: true),
                ParameterSpec("email", .string, required: true, summary: "Whose pending invitation to send again."),
            ],
            summary: "Send a pending (or expired) invitation again."
        ),
        ActionSpec(
            "cancel",
            parameters: [
                ParameterSpec("organization", .string, required: true),
                ParameterSpec("email", .string, required: true, summary: "Whose pending invitation to cancel."),
            ],
            summary: "Cancel a pending (or expired) invitation."
        ),
        ActionSpec(
            "add_to_team",
            parameters: [
                ParameterSpec("organization", .string, required: true),
                ParameterSpec("user", .string, required: true, summary: "The member's user uid ({{member.user_uid}})."),
                ParameterSpec("team", .string, summary: "Team slug; default the team an earlier invite named for this email."),
                ParameterSpec("email", .string, summary: "The member's email, to find the team an invite named."),
                ParameterSpec("role", .string, summary: "Role in the team."),
            ],
            summary: "Add a member to a team (a step on member.joined: only members have a user uid)."
        ),
        ActionSpec(
            "reconcile",
            parameters: [],
            summary: "Reconcile plugins.invite.roster: invite who is missing, report extras (remove them only with remove_extras)."
        ),
    ]
    public static let configKeys = [
        ParameterSpec("allowed_domains", .list, required: true, summary: "Domains invitations may go to; [\"*\"] allows any."),
        ParameterSpec("roster", .object, summary: "{file, organization, role, every, remove_extras}"),
    ]
    public static let avalaScopes: Set<AvalaScope> = [.readMembers, .invite, .manageTeams, .manageMembers]

    let domains: DomainGuard
    let roster: Roster?

    /// - Throws: ``PluginConfigError`` when `allowed_domains` is missing or empty, or the roster is wrong.
    public init(config: PluginConfig) throws {
        guard let domains = try config.strings("allowed_domains") else {
            throw PluginConfigError(key: "allowed_domains", "required by the invite plugin: list the domains it may invite (or [\"*\"] for any)")
        }
        self.domains = try DomainGuard(domains)
        roster = try config["roster"].map { try Roster(config: $0) }
    }

    /// An address written out (not a template) is checked at load as `send` would check it: one that is
    /// no address, or outside `allowed_domains`, would fail every event.
    public func literalParameterProblems(action: String, parameters: [String: JSON]) -> [ParameterProblem] {
        guard action == "send", let raw = parameters["email"]?.stringValue, !raw.isEmpty else { return [] }
        switch EmailAddress.normalize(raw) {
        case .failure(let problem):
            return [ParameterProblem("email", problem.description)]
        case .success(let email):
            guard domains.allows(email) else {
                return [
                    ParameterProblem("email", "\(email) is outside plugins.invite.allowed_domains (\(domains)): every invitation would be refused")
                ]
            }
            return []
        }
    }

    public func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        switch request.action {
        case "send": return try await send(request, context: context)
        case "resend", "cancel": return try await changeInvitation(request, context: context)
        case "add_to_team": return try await addToTeam(request, context: context)
        case "reconcile": return try await reconcile(context: context)
        default: return .failed("the invite plugin has no action '\(request.action)'")
        }
    }

    private func send(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        guard let organization = request.string("organization") else { return .failed("organization rendered empty") }
        guard let rawEmail = request.string("email") else { return .failed("email rendered empty") }
        let role = request.string("role") ?? InviteRole.member.rawValue
        guard InviteRole(rawValue: role) != nil else {
            return .failed("role '\(role)' is not one of: \(InviteRole.names.joined(separator: ", "))")
        }
        let email: String
        switch EmailAddress.normalize(rawEmail) {
        case .success(let normalized): email = normalized
        case .failure(let problem): return .failed(problem.description)
        }
        guard domains.allows(email) else {
            return .failed("refused: \(email) is outside plugins.invite.allowed_domains (\(domains))")
        }
        let lock = InviteLock(state: context.state, key: "lock:\(organization):\(email)", owner: context.idempotencyKey)
        // Two events about one address (a join in two organizations) must not both pass the checks below
        // before either has invited.
        if !context.dryRun, let holder = try await lock.acquire(now: context.now()) {
            return .deferred(until: context.now().addingTimeInterval(2), reason: "another action (\(holder)) is inviting \(email)")
        }
        do {
            let outcome = try await checkedInvite(
                organization: organization,
                email: email,
                role: role,
                team: request.string("team"),
                context: context
            )
            if !context.dryRun { try await lock.release() }
            return outcome
        } catch {
            if !context.dryRun { try? await lock.release() }
            throw error
        }
    }

    private func checkedInvite(
        organization: String,
        email: String,
        role: String,
        team: String?,
        context: PluginContext
    ) async throws -> ActionOutcome {
        if let member = try await context.avala.members(organization: organization, email: email).first {
            return .skipped("\(email) is already a member of \(organization) (\(member.role ?? "member"))")
        }
        let listed = try await context.avala.pendingInvitations(organization: organization).filter { $0.email.lowercased() == email }
        let now = context.now()
        if let invitation = listed.first(where: { !$0.hasExpired(at: now) }) {
            let note = context.resuming || context.attempt > 0 ? " (sent by an earlier attempt)" : ""
            return .skipped("\(email) already has a pending invitation to \(organization)\(note): \(invitation.uid)")
        }
        // Listed but expired: it can no longer be accepted, so the person is invited again, by sending it
        // again (which renews it) rather than by a second invitation.
        let expired = listed.first
        if context.dryRun {
            if let expired { return .done("would re-send the expired invitation to \(email) (\(organization)): \(expired.uid)") }
            return .done("would invite \(email) to \(organization) as \(role)")
        }
        // An earlier attempt whose request got no answer (a timeout, a crash) may still be turned into an
        // invitation by Avala: nothing is sent until it no longer can, or the person gets two.
        let intentKey = "invite:\(context.idempotencyKey)"
        // A wait chosen, not a failure: it counts no attempt, whatever the dispatcher's backoff.
        if let settled = try await UnansweredRequest.settled(intentKey, context: context), context.now() < settled {
            return .deferred(
                until: settled,
                reason: "an earlier invitation request for \(email) got no answer and may still be sent; looking again at \(Event.timestamp(settled))"
            )
        }
        if let team {
            // The person has no user uid until they join: remember the team for invite.add_to_team.
            try await context.state.set("team:\(organization):\(email)", .string(team))
        }
        let delivery = InvitationDelivery(organization: organization, email: email, role: role, intentKey: intentKey)
        let outcome: InvitationDelivery.Outcome
        do {
            outcome = try await delivery.send(replacing: expired, context: context)
        } catch let inFlight as InvitationDelivery.ResendInFlight {
            return .deferred(until: inFlight.until, reason: Self.waitingForAnotherResend(inFlight, email: email))
        } catch let error as ActionError where error.isPermanent {
            // Perhaps because an earlier request whose answer was lost did invite them (Avala refuses a
            // second pending invitation): then what this action was for holds.
            let still = try await context.avala.pendingInvitations(organization: organization)
            guard let sent = still.first(where: { $0.email.lowercased() == email && !$0.hasExpired(at: context.now()) }) else { throw error }
            return .skipped("\(email) already has a pending invitation to \(organization) (sent by an earlier attempt): \(sent.uid)")
        }
        switch outcome {
        case .invited(let invitation):
            context.logger.info(
                "Invitation sent",
                metadata: ["invite.organization": "\(organization)", "invite.uid": "\(invitation.uid)", "invite.role": "\(role)"]
            )
            return .done("invited \(email) to \(organization) as \(role): \(invitation.uid)")
        case .resent(let invitation):
            context.logger.info(
                "Expired invitation sent again",
                metadata: ["invite.organization": "\(organization)", "invite.uid": "\(invitation.uid)"]
            )
            return .done("re-sent the expired invitation to \(email) (\(organization)): \(invitation.uid)")
        case .replaced(let old, let invitation):
            context.logger.info(
                "Expired invitation replaced",
                metadata: [
                    "invite.organization": "\(organization)", "invite.uid": "\(invitation.uid)", "invite.replaced_uid": "\(old.uid)",
                    "invite.role": "\(role)",
                ]
            )
            return .done(
                "Avala would not resend the expired invitation \(old.uid) of \(email), so it was cancelled and "
                    + "\(email) invited to \(organization) as \(role): \(invitation.uid)"
            )
        }
    }

    private func changeInvitation(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        guard let organization = request.string("organization") else { return .failed("organization rendered empty") }
        guard let email = request.string("email")?.lowercased() else { return .failed("email rendered empty") }
        let listed = try await context.avala.pendingInvitations(organization: organization).filter { $0.email.lowercased() == email }
        // A live invitation is the one to act on; an expired one, still listed until it is resent or
        // cancelled, is acted on as well, and said to be expired.
        guard let invitation = listed.first(where: { !$0.hasExpired(at: context.now()) }) ?? listed.first else {
            return .skipped("\(email) has no pending invitation to \(organization)")
        }
        let expired = invitation.hasExpired(at: context.now())
        let verb = request.action == "resend" ? "resend" : "cancel"
        if context.dryRun {
            return .done("would \(verb) \(expired ? "the expired invitation" : "invitation") \(invitation.uid) of \(email) to \(organization)")
        }
        if request.action == "resend" {
            return try await resend(invitation, expired: expired, email: email, organization: organization, context: context)
        }
        do {
            try await context.avala.cancelInvitation(organization: organization, uid: invitation.uid)
        } catch let error as ActionError where error.isPermanent {
            // The client sends a cancel again after a lost answer, and Avala refuses to cancel what is no
            // longer pending: if it is gone, what this action was for holds.
            let still = try await context.avala.pendingInvitations(organization: organization)
            guard !still.contains(where: { $0.uid == invitation.uid }) else { throw error }
            return .skipped(
                "invitation \(invitation.uid) of \(email) is no longer pending "
                    + "(cancelled by a request whose answer was lost, or accepted meanwhile)"
            )
        }
        return .done("cancelled \(expired ? "the expired invitation" : "invitation") \(invitation.uid) of \(email)")
    }

    /// Sends the invitation's email again, at most once per action: a resend leaves nothing in the API to
    /// check afterwards, so the intent is saved first, and a later run of the same action that finds it
    /// (its answer was lost, or the bot stopped before journaling) does not send a second email. A refusal
    /// (a 4xx, a 429, a 503 from the gateway, or a pause asked for with `Retry-After`) proves nothing was
    /// sent and clears the intent, so the retry or a dead-letter retry sends it.
    ///
    /// An expired invitation is the exception: resending renews it, which the listing shows. So an earlier
    /// attempt's resend that got no answer was sent when the invitation is live again, and was not when it
    /// is still expired once that request can no longer land: then it is sent.
    private func resend(
        _ invitation: AvalaInvitation,
        expired: Bool,
        email: String,
        organization: String,
        context: PluginContext
    ) async throws -> ActionOutcome {
        let intentKey = "resend:\(context.idempotencyKey)"
        if let intent = try await context.state.get(intentKey), intent["uid"]?.stringValue == invitation.uid {
            if !expired {
                try await context.state.remove(intentKey)
                if intent["expired"]?.boolValue == true {
                    return .skipped(
                        "an earlier attempt re-sent the expired invitation \(invitation.uid) to \(email) and got no answer; "
                            + "it is live again, so it was sent, and is not sent again"
                    )
                }
                return .skipped(
                    "an earlier attempt asked Avala to resend invitation \(invitation.uid) to \(email) and cannot know whether it "
                        + "was sent (no answer, or an error after Avala took the request); not sent again, so \(email) gets one email at most"
                )
            }
            if let settled = try await UnansweredRequest.settled(intentKey, context: context), context.now() < settled {
                return .deferred(
                    until: settled,
                    reason: "an earlier resend of the expired invitation \(invitation.uid) to \(email) got no answer and may still be sent; "
                        + "looking again at \(Event.timestamp(settled))"
                )
            }
        }
        if expired {
            let delivery = InvitationDelivery(
                organization: organization,
                email: email,
                role: invitation.role ?? InviteRole.member.rawValue,
                intentKey: intentKey
            )
            do {
                try await delivery.resend(invitation, context: context)
            } catch let inFlight as InvitationDelivery.ResendInFlight {
                return .deferred(until: inFlight.until, reason: Self.waitingForAnotherResend(inFlight, email: email))
            } catch let error as ActionError where error.isPermanent {
                throw ActionError.permanent(
                    "Avala would not resend the expired invitation \(invitation.uid) of \(email): \(error.message); "
                        + "the invite action cancels it and invites \(email) anew"
                )
            }
            return .done("re-sent the expired invitation to \(email) (\(organization)): \(invitation.uid)")
        }
        // Live, perhaps because another action's re-send of it while it was expired landed after all: that
        // one may still land, or did, and this would be the second email.
        if let other = try await ResendMark(organization: organization, uid: invitation.uid, owner: intentKey).other(context: context) {
            if context.now() < other.settled {
                let inFlight = InvitationDelivery.ResendInFlight(uid: invitation.uid, until: other.settled)
                return .deferred(until: other.settled, reason: Self.waitingForAnotherResend(inFlight, email: email))
            }
            return .skipped(
                "another action re-sent the expired invitation \(invitation.uid) to \(email) and got no answer; "
                    + "it is live again, so it was sent, and is not sent again"
            )
        }
        try await context.state.set(intentKey, ["uid": .string(invitation.uid), "at": .number(context.now().timeIntervalSince1970)])
        do {
            try await context.avala.resendInvitation(organization: organization, uid: invitation.uid)
        } catch let error as ActionError where Self.wasRefused(error) {
            try await context.state.remove(intentKey)
            throw error
        }
        try await context.state.remove(intentKey)
        return .done("resent invitation \(invitation.uid) to \(email)")
    }

    private func addToTeam(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        guard let organization = request.string("organization") else { return .failed("organization rendered empty") }
        guard let user = request.string("user") else { return .failed("user rendered empty") }
        let email = request.string("email")?.lowercased()
        var team = request.string("team")
        if team == nil, let email {
            team = try await context.state.get("team:\(organization):\(email)")?.stringValue
        }
        guard let team else { return .skipped("no team to add \(email ?? user) to: none given and no invite named one") }
        let who = email ?? user
        // Checked first: after a lost answer the person is already in the team, and adding them again is
        // refused (a permanent failure for something that was done).
        if try await isInTeam(user, team: team, organization: organization, context: context) {
            if !context.dryRun, let email { try await context.state.remove("team:\(organization):\(email)") }
            let note = context.resuming || context.attempt > 0 ? " (added by an earlier attempt)" : ""
            return .skipped("\(who) is already in team \(team) of \(organization)\(note)")
        }
        if context.dryRun { return .done("would add \(who) to team \(team) of \(organization)") }
        do {
            try await context.avala.addTeamMember(organization: organization, team: team, userUID: user, role: request.string("role"))
        } catch let error as ActionError where error.isPermanent {
            // Refused because someone else (another action, a person) added them in between: what this
            // action was for holds, so it is not a failure.
            guard try await isInTeam(user, team: team, organization: organization, context: context) else { throw error }
            if let email { try await context.state.remove("team:\(organization):\(email)") }
            return .skipped("\(who) is already in team \(team) of \(organization) (added while this action ran)")
        }
        if let email { try await context.state.remove("team:\(organization):\(email)") }
        return .done("added \(who) to team \(team) of \(organization)")
    }

    /// Said when another action's re-send of the same expired invitation may still land.
    static func waitingForAnotherResend(_ inFlight: InvitationDelivery.ResendInFlight, email: String) -> String {
        "another action re-sent the expired invitation \(inFlight.uid) to \(email) and has no answer yet; it may still be sent, "
            + "so it is not sent again before \(Event.timestamp(inFlight.until))"
    }

    /// Whether Avala answered `error` without acting: a refusal, a pause it asked for, or an answer that
    /// says the request had no effect (a 429, a 503 from its gateway).
    static func wasRefused(_ error: ActionError) -> Bool {
        switch error.kind {
        case .permanent: true
        case .transient(let retryAfter): retryAfter != nil || error.hadNoEffect
        }
    }

    private func isInTeam(_ user: String, team: String, organization: String, context: PluginContext) async throws -> Bool {
        try await context.avala.teamMembers(organization: organization, team: team).contains { $0.userUID == user }
    }

    private func reconcile(context: PluginContext) async throws -> ActionOutcome {
        guard let roster else { return .failed("plugins.invite.roster is not configured") }
        return try await RosterReconciler(roster: roster, domains: domains).run(context: context)
    }
}
