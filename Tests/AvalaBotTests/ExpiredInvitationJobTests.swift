import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Foundation
import TestSupport
import Testing

@testable import AvalaBot

/// An expired invitation stays listed (`is_expired: true`) until it is resent or cancelled, and can no
/// longer be accepted: the invite plugin treats it as no invitation at all, and gets the person a live
/// one by sending it again — once, whatever happens to the answer.
@Suite struct ExpiredInvitationJobTests {
    static let dave = SimulatorSeed.UID.pendingInvitation
    static let resendPath = "/organizations/acme-ai/invitations/\(dave)/resend/"
    static let invitationsPath = "/organizations/acme-ai/invitations/"

    /// Runs one rule step `action` on a join, after dave's invitation to acme-ai expired and `fault` was
    /// injected: the step as it ended, and the harness to look at the simulator with.
    static func run<T: Sendable>(
        _ action: String,
        fault: Fault? = nil,
        _ inspect: @Sendable (StepRecord, SimulatorHarness) async throws -> T
    ) async throws -> T {
        try await SimulatorHarness.with { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let config = """
                plugins:
                  invite: { allowed_domains: [acme.ai] }
                rules:
                  - name: dave
                    on: member.joined
                    do:
                      - \(action): { organization: acme-ai, email: dave@acme.ai }
                """
            _ = try await harness.simulator.expireInvitation(uid: dave)
            if let fault { await harness.simulator.injectFault(fault) }
            let step = try await bot.run(config) { assembly, _ in
                _ = try await assembly.store.ingest(InviteJobTests.joined(email: "nina@acme.ai", key: "expired-1"))
                assembly.dispatcher.signal.wake()
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "invite").first?.isFinal == true }
                return try #require(try await BotRun.steps(assembly.store, plugin: "invite").first)
            }
            return try await inspect(step, harness)
        }
    }

    static func davesInvitations(_ harness: SimulatorHarness) async throws -> [Invitation] {
        try await harness.simulator.allInvitations(organization: "acme-ai").filter { $0.invitedEmail == "dave@acme.ai" }
    }

    /// Dave's invitation as the API lists it now: live again when `is_expired` is false and its expiry ahead.
    static func isLive(_ invitation: Invitation?) -> Bool {
        invitation?.status == .pending && invitation?.isExpired == false && (invitation?.expiresAt ?? .distantPast) > Date()
    }

    static func posts(_ harness: SimulatorHarness, to path: String) async -> Int {
        await harness.simulator.requests().filter { $0.method == "POST" && $0.path.hasSuffix(path) }.count
    }

    @Test func inviteResendsAnExpiredInvitation() async throws {
        try await Self.run("invite") { step, harness in
            #expect(step.status == .done, "\(step.status): \(step.detail ?? "")")
            #expect(step.detail == "re-sent the expired invitation to dave@acme.ai (acme-ai): \(Self.dave)")
            let invitations = try await Self.davesInvitations(harness)
            #expect(invitations.count == 1)
            #expect(Self.isLive(invitations.first))
            #expect(await Self.posts(harness, to: Self.resendPath) == 1)
            #expect(await Self.posts(harness, to: Self.invitationsPath) == 0)
        }
    }

    /// Avala resends it but the answer is lost: the retry finds it live again and sends nothing more.
    @Test func aLostAnswerToTheResendOfAnExpiredInvitationSendsOneEmail() async throws {
        let fault = Fault(pathPrefix: Self.resendPath, method: "POST", count: 1, dropAfterHandling: true)
        try await Self.run("invite", fault: fault) { step, harness in
            #expect(step.status == .skipped, "\(step.status): \(step.detail ?? "")")
            #expect(step.detail == "dave@acme.ai already has a pending invitation to acme-ai (sent by an earlier attempt): \(Self.dave)")
            let invitation = try await Self.davesInvitations(harness).first
            #expect(Self.isLive(invitation))
            #expect(await Self.posts(harness, to: Self.resendPath) == 1)
            #expect(await Self.posts(harness, to: Self.invitationsPath) == 0)
        }
    }

    /// Should Avala refuse to resend an expired invitation, `invite` cancels it and sends a new one.
    @Test func anExpiredInvitationAvalaWillNotResendIsReplaced() async throws {
        let fault = Fault(pathPrefix: Self.resendPath, method: "POST", status: 400, count: 1)
        try await Self.run("invite", fault: fault) { step, harness in
            let invitations = try await Self.davesInvitations(harness)
            let fresh = try #require(invitations.first { $0.uid != Self.dave })
            #expect(step.status == .done, "\(step.status): \(step.detail ?? "")")
            #expect(
                step.detail
                    == "Avala would not resend the expired invitation \(Self.dave) of dave@acme.ai, so it was cancelled and "
                    + "dave@acme.ai invited to acme-ai as member: \(fresh.uid)"
            )
            #expect(invitations.first { $0.uid == Self.dave }?.status == .cancelled)
            #expect(invitations.count == 2)
            #expect(Self.isLive(fresh))
            #expect(await Self.posts(harness, to: Self.invitationsPath) == 1)
        }
    }

    @Test func resendSaysTheInvitationHadExpiredAndRenewsIt() async throws {
        try await Self.run("invite.resend") { step, harness in
            #expect(step.status == .done, "\(step.status): \(step.detail ?? "")")
            #expect(step.detail == "re-sent the expired invitation to dave@acme.ai (acme-ai): \(Self.dave)")
            let invitation = try await Self.davesInvitations(harness).first
            #expect(Self.isLive(invitation))
            #expect(await Self.posts(harness, to: Self.resendPath) == 1)
        }
    }

    /// The resend of an expired invitation leaves evidence: live again, it was sent, so the retry after a
    /// lost answer says so (rather than that it cannot know) and sends nothing more.
    @Test func aLostAnswerToResendingAnExpiredInvitationIsKnownToHaveBeenSent() async throws {
        let fault = Fault(pathPrefix: Self.resendPath, method: "POST", count: 1, dropAfterHandling: true)
        try await Self.run("invite.resend", fault: fault) { step, harness in
            #expect(step.status == .skipped, "\(step.status): \(step.detail ?? "")")
            #expect(
                step.detail
                    == "an earlier attempt re-sent the expired invitation \(Self.dave) to dave@acme.ai and got no answer; "
                    + "it is live again, so it was sent, and is not sent again"
            )
            let invitation = try await Self.davesInvitations(harness).first
            #expect(Self.isLive(invitation))
            #expect(await Self.posts(harness, to: Self.resendPath) == 1)
        }
    }

    @Test func cancelSaysTheInvitationHadExpired() async throws {
        try await Self.run("invite.cancel") { step, harness in
            #expect(step.status == .done, "\(step.status): \(step.detail ?? "")")
            #expect(step.detail == "cancelled the expired invitation \(Self.dave) of dave@acme.ai")
            let invitations = try await Self.davesInvitations(harness)
            #expect(invitations.map(\.status) == [.cancelled])
        }
    }

    /// The roster reconcile resends an address's expired invitation (instead of counting it as invited),
    /// and the next reconcile finds it pending.
    @Test func theRosterReconcileResendsAnExpiredInvitationOnce() async throws {
        try await SimulatorHarness.with { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let roster = bot.storePath + ".roster.csv"
            defer { try? FileManager.default.removeItem(atPath: roster) }
            try "email\ndave@acme.ai\n".write(toFile: roster, atomically: true, encoding: .utf8)
            _ = try await harness.simulator.expireInvitation(uid: Self.dave)
            let config = """
                plugins:
                  invite:
                    allowed_domains: [acme.ai]
                    roster: { file: "\(roster)", organization: acme-ai, every: 300ms }
                rules:
                  - name: roster
                    on: bot.roster.due
                    do:
                      - invite.reconcile: {}
                """
            try await bot.run(config) { assembly, _ in
                try await Eventually.until {
                    try await assembly.store.recentEvents(limit: 50, since: nil).filter { $0.event.type == .botRosterDue && $0.status == .done }
                        .count >= 2
                }
            }
            let steps = try await BotRun.steps(try SQLiteEventStore(path: bot.storePath, logger: harness.logger), plugin: "invite")
            let details = steps.map { $0.detail ?? "" }
            #expect(steps.filter { $0.status == .done }.count == 1, "\(details)")
            #expect(details.contains { $0.contains("invited 0; re-sent 1 expired invitations (dave@acme.ai)") }, "\(details)")
            #expect(steps.contains { $0.status == .skipped && $0.detail?.contains("1 already invited") == true }, "\(details)")
            let invitations = try await Self.davesInvitations(harness)
            #expect(invitations.count == 1)
            #expect(Self.isLive(invitations.first))
            #expect(await Self.posts(harness, to: Self.resendPath) == 1)
            #expect(await Self.posts(harness, to: Self.invitationsPath) == 0)
        }
    }

    /// Two actions re-send dave's expired invitation (two rules on one join). The first one's request is
    /// lost before Avala answers, so for all the bot knows Avala may still act on it: the second action
    /// must not send a second email meanwhile, but wait until that request can no longer land.
    @Test(arguments: ["invite", "invite.resend"])
    func aSecondActionWaitsWhileAnotherActionsResendMayStillLand(second: String) async throws {
        try await SimulatorHarness.with { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let config = """
                plugins:
                  invite: { allowed_domains: [acme.ai] }
                rules:
                  - name: dave
                    on: member.joined
                    do:
                      - invite: { organization: acme-ai, email: dave@acme.ai }
                  - name: dave-again
                    on: member.joined
                    do:
                      - \(second): { organization: acme-ai, email: dave@acme.ai }
                """
            _ = try await harness.simulator.expireInvitation(uid: Self.dave)
            await harness.simulator.injectFault(Fault(pathPrefix: Self.resendPath, method: "POST", count: 1, drop: true))
            let prefix = "another action re-sent the expired invitation \(Self.dave) to dave@acme.ai and has no answer yet; "
            let waiting = try await bot.run(config) { assembly, _ in
                _ = try await assembly.store.ingest(InviteJobTests.joined(email: "nina@acme.ai", key: "expired-twice"))
                assembly.dispatcher.signal.wake()
                // Either the second action waits, or (the fault) it sends a second resend.
                try await Eventually.until {
                    let steps = try await BotRun.steps(assembly.store, plugin: "invite")
                    if steps.contains(where: { $0.detail?.hasPrefix(prefix) == true }) { return true }
                    return await Self.posts(harness, to: Self.resendPath) > 1
                }
                return try await BotRun.steps(assembly.store, plugin: "invite").first { $0.detail?.hasPrefix(prefix) == true }
            }
            #expect(await Self.posts(harness, to: Self.resendPath) == 1, "one resend went out, and its request was lost")
            let step = try #require(waiting)
            #expect(step.isFinal == false, "\(step.status): \(step.detail ?? "")")
            #expect(step.detail?.contains("it may still be sent, so it is not sent again before ") == true, "\(step.detail ?? "")")
        }
    }
}
