public import BotKit
import Foundation
import Logging

/// `invite`: auto-invite onboarding. Sends an invitation only after the API says the address is neither
/// a member nor already invited, so a retry, a crash or a duplicate event never sends a second one.
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
            summary: "Invite an address unless it is already a member or invited."
        ),
        ActionSpec(
            "resend",
            parameters: [
                ParameterSpec("organization", .string, required: true),
                ParameterSpec("email", .string, required: true, summary: "Whose pending invitation to send again."),
            ],
            summary: "Send a pending invitation again."
        ),
        ActionSpec(
            "cancel",
            parameters: [
                ParameterSpec("organization", .string, required: true),
                ParameterSpec("email", .string, required: true, summary: "Whose pending invitation to cancel."),
            ],
            summary: "Cancel a pending invitation."
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
        let pending = try await context.avala.pendingInvitations(organization: organization)
        if let invitation = pending.first(where: { $0.email.lowercased() == email }) {
            let note = context.resuming || context.attempt > 0 ? " (sent by an earlier attempt)" : ""
            return .skipped("\(email) already has a pending invitation to \(organization)\(note): \(invitation.uid)")
        }
        if context.dryRun { return .done("would invite \(email) to \(organization) as \(role)") }
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
        try await UnansweredRequest.begin(intentKey, context: context)
        let invitation: AvalaInvitation
        do {
            invitation = try await context.avala.invite(organization: organization, email: email, role: role)
        } catch let error as ActionError where Self.wasRefused(error) {
            // Refused: this request did nothing, so the next attempt need not wait for it.
            try await context.state.remove(intentKey)
            guard error.isPermanent else { throw error }
            // Perhaps because an earlier request whose answer was lost did invite them (Avala refuses a
            // second pending invitation): then what this action was for holds.
            let still = try await context.avala.pendingInvitations(organization: organization)
            guard let sent = still.first(where: { $0.email.lowercased() == email }) else { throw error }
            return .skipped("\(email) already has a pending invitation to \(organization) (sent by an earlier attempt): \(sent.uid)")
        } catch {
            try? await UnansweredRequest.unanswered(intentKey, context: context)
            throw error
        }
        try await context.state.remove(intentKey)
        context.logger.info(
            "Invitation sent",
            metadata: ["invite.organization": "\(organization)", "invite.uid": "\(invitation.uid)", "invite.role": "\(role)"]
        )
        return .done("invited \(email) to \(organization) as \(role): \(invitation.uid)")
    }

    private func changeInvitation(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        guard let organization = request.string("organization") else { return .failed("organization rendered empty") }
        guard let email = request.string("email")?.lowercased() else { return .failed("email rendered empty") }
        let pending = try await context.avala.pendingInvitations(organization: organization)
        guard let invitation = pending.first(where: { $0.email.lowercased() == email }) else {
            return .skipped("\(email) has no pending invitation to \(organization)")
        }
        let verb = request.action == "resend" ? "resend" : "cancel"
        if context.dryRun { return .done("would \(verb) invitation \(invitation.uid) of \(email) to \(organization)") }
        if request.action == "resend" { return try await resend(invitation, email: email, organization: organization, context: context) }
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
        return .done("cancelled invitation \(invitation.uid) of \(email)")
    }

    /// Sends the invitation's email again, at most once per action: a resend leaves nothing in the API to
    /// check afterwards, so the intent is saved first, and a later run of the same action that finds it
    /// (its answer was lost, or the bot stopped before journaling) does not send a second email. A refusal
    /// (a 4xx, a 429, a 503 from the gateway, or a pause asked for with `Retry-After`) proves nothing was
    /// sent and clears the intent, so the retry or a dead-letter retry sends it.
    private func resend(_ invitation: AvalaInvitation, email: String, organization: String, context: PluginContext) async throws -> ActionOutcome {
        let intentKey = "resend:\(context.idempotencyKey)"
        if let intent = try await context.state.get(intentKey), intent["uid"]?.stringValue == invitation.uid {
            try await context.state.remove(intentKey)
            return .skipped(
                "an earlier attempt asked Avala to resend invitation \(invitation.uid) to \(email) and cannot know whether it "
                    + "was sent (no answer, or an error after Avala took the request); not sent again, so \(email) gets one email at most"
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
