import BotKit
import Foundation

/// Gets one address a live invitation, for `invite` and the roster reconcile: a new one, or, when all the
/// address has listed is an expired invitation (which can no longer be accepted), that one sent again
/// (`…/resend/` renews it). Should Avala refuse to resend it, it is cancelled and a new one made.
///
/// Each request is saved under `intentKey` (see ``UnansweredRequest``) before it goes out and removed once
/// answered, so that after one that got no answer the caller sends nothing to the address until it could
/// no longer land. That holds for a resend as for a new invitation: one that landed left the invitation
/// live, which the next attempt finds pending and leaves alone; one that did not left it expired, and the
/// next attempt sends it then. Either way the person gets one email.
struct InvitationDelivery {
    let organization: String
    let email: String
    let role: String
    let intentKey: String

    enum Outcome {
        case invited(AvalaInvitation)
        /// The expired invitation was sent again, renewed.
        case resent(AvalaInvitation)
        /// Avala would not resend the expired invitation: it was cancelled, and this one sent instead.
        case replaced(expired: AvalaInvitation, by: AvalaInvitation)
    }

    /// - Throws: the ``ActionError`` Avala answered with when it refused (nothing is then left saved), or
    ///   what ended a request without an answer (saved as unanswered).
    func send(replacing expired: AvalaInvitation?, context: PluginContext) async throws -> Outcome {
        guard let expired else { return .invited(try await create(context: context)) }
        do {
            try await resend(expired, context: context)
        } catch let error as ActionError where error.isPermanent {
            // Refused, so nothing was sent: perhaps an API that resends pending invitations only. The
            // expired one is withdrawn and replaced. A crash in between leaves nothing listed to the
            // address, which the next attempt invites as anyone uninvited.
            try await cancel(expired, refusal: error, context: context)
            return .replaced(expired: expired, by: try await create(context: context))
        }
        return .resent(expired)
    }

    /// Another action re-sent the expired invitation `uid` and got no answer (or is sending it now): its
    /// request may still land until `until`, and sending it again before then could send a second email.
    struct ResendInFlight: Error {
        let uid: String
        let until: Date
    }

    /// `POST …/invitations/{uid}/resend/` for an expired invitation, saved first as `{at, uid, expired}`
    /// (`invite.resend` reads the uid back, to know which invitation an earlier attempt resent), and
    /// marked for the other actions (``ResendMark``).
    ///
    /// - Throws: ``ResendInFlight`` without sending, when another action's re-send may still land.
    func resend(_ expired: AvalaInvitation, context: PluginContext) async throws {
        let mark = ResendMark(organization: organization, uid: expired.uid, owner: intentKey)
        if let until = try await mark.claim(context: context) { throw ResendInFlight(uid: expired.uid, until: until) }
        let intent: JSON = ["at": .number(context.now().timeIntervalSince1970), "uid": .string(expired.uid), "expired": .bool(true)]
        do {
            try await request(intent, context: context) {
                try await context.avala.resendInvitation(organization: organization, uid: expired.uid)
            }
        } catch let error as ActionError where InvitePlugin.wasRefused(error) {
            try await mark.end(context: context)
            throw error
        } catch {
            try? await mark.unanswered(context: context)
            throw error
        }
        try await mark.end(context: context)
    }

    private func create(context: PluginContext) async throws -> AvalaInvitation {
        try await request(["at": .number(context.now().timeIntervalSince1970)], context: context) {
            try await context.avala.invite(organization: organization, email: email, role: role)
        }
    }

    /// Sends one request under the saved intent: removed once Avala answered (done, or refused: a refusal
    /// proves nothing was sent), kept as unanswered otherwise.
    private func request<T>(_ intent: JSON, context: PluginContext, _ send: () async throws -> T) async throws -> T {
        try await context.state.set(intentKey, intent)
        let result: T
        do {
            result = try await send()
        } catch let error as ActionError where InvitePlugin.wasRefused(error) {
            try await context.state.remove(intentKey)
            throw error
        } catch {
            try? await UnansweredRequest.unanswered(intentKey, context: context)
            throw error
        }
        try await context.state.remove(intentKey)
        return result
    }

    /// Cancels the expired invitation Avala would not resend. The client sends a cancel again after a lost
    /// answer, and Avala refuses to cancel what is gone: gone is what was wanted. One still listed after
    /// its cancel was refused is reported with the resend's refusal, which is what went wrong first.
    private func cancel(_ expired: AvalaInvitation, refusal: ActionError, context: PluginContext) async throws {
        do {
            try await context.avala.cancelInvitation(organization: organization, uid: expired.uid)
        } catch let error as ActionError where error.isPermanent {
            let still = try await context.avala.pendingInvitations(organization: organization)
            guard !still.contains(where: { $0.uid == expired.uid }) else {
                throw ActionError.permanent(
                    "Avala would neither resend the expired invitation \(expired.uid) of \(email) (\(refusal.message)) nor cancel it "
                        + "(\(error.message)), so no new one was sent"
                )
            }
        }
    }
}
