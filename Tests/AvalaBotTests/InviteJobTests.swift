import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import AvalaBot

/// Job 1, auto-invite onboarding, end to end: the members poller sees a join in acme-ai, the rule
/// invites the person to acme-labelers through the simulator — exactly once, whatever happens.
@Suite struct InviteJobTests {
    static let polling = """
        pollers:
          members: { organization: acme-ai, every: 100ms }
        \(rules)
        """

    static let rules = """
        plugins:
          invite: { allowed_domains: [acme.ai] }
        rules:
          - name: welcome-to-labelers
            on: member.joined
            where: { organization: acme-ai, "member.email": { glob: "*@acme.ai" } }
            do:
              - invite: { organization: acme-labelers, email: "{{member.email}}", role: member }
        """

    static func invitations(_ harness: SimulatorHarness, email: String) async throws -> [Invitation] {
        try await harness.simulator.allInvitations(organization: "acme-labelers").filter { $0.invitedEmail == email }
    }

    static func joined(email: String, key: String) -> Event {
        EventNormalizer.normalize(
            type: .memberJoined,
            body: ["organization": "acme-ai", "member": ["user_uid": .string("u-\(email)"), "email": .string(email), "role": "member"]],
            source: "test",
            deliveryID: key
        )
    }

    @Test func aJoinInOneOrganizationSendsExactlyOneInvitationToTheOther() async throws {
        try await SimulatorHarness.with { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            try await bot.run(Self.polling) { assembly, _ in
                try await Eventually.until { try await assembly.store.snapshot("members:acme-ai") != nil }
                _ = try await harness.simulator.addMember(organization: "acme-ai", email: "nina@acme.ai")
                try await Eventually.until { try await Self.invitations(harness, email: "nina@acme.ai").count == 1 }

                // The same fact again under another delivery id (a replay, a second sender): the plugin
                // checks the API, sees the pending invitation and skips.
                _ = try await assembly.store.ingest(Self.joined(email: "nina@acme.ai", key: "again-1"))
                assembly.dispatcher.signal.wake()
                try await Eventually.until {
                    try await BotRun.steps(assembly.store, plugin: "invite").filter { $0.status == .skipped }.count == 1
                }
                // And the very same event delivered twice is one event.
                let first = try await assembly.store.ingest(Self.joined(email: "nina@acme.ai", key: "dup-1"))
                let second = try await assembly.store.ingest(Self.joined(email: "nina@acme.ai", key: "dup-1"))
                guard case .new = first, case .duplicate = second else {
                    Issue.record("expected a new event, then a duplicate; got \(first) then \(second)")
                    return
                }
                try await Eventually.until {
                    try await assembly.store.recentEvents(limit: 50, since: nil).allSatisfy { $0.status == .done }
                }
            }
            #expect(try await Self.invitations(harness, email: "nina@acme.ai").count == 1)
            let steps = try await BotRun.steps(try SQLiteEventStore(path: bot.storePath, logger: harness.logger), plugin: "invite")
            #expect(steps.filter { $0.status == .done }.count == 1)
            #expect(steps.contains { $0.detail?.contains("already has a pending invitation to acme-labelers") == true })
        }
    }

    @Test func aCrashBetweenTheInvitationAndItsJournalEntryStillLeavesOne() async throws {
        try await SimulatorHarness.with { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let crashed = Mutex(false)
            // The first run invites, then "dies" before the outcome is journaled.
            let crashing = DispatcherEnvironment(afterPerform: { _ in
                if crashed.withLock({ tripped in
                    defer { tripped = true }
                    return !tripped
                }) {
                    throw SimulatedCrash()
                }
            })
            try await bot.run(Self.rules, dispatcherEnvironment: crashing) { assembly, _ in
                _ = try await assembly.store.ingest(Self.joined(email: "omar@acme.ai", key: "crash-1"))
                assembly.dispatcher.signal.wake()
                try await Eventually.until { crashed.withLock { $0 } }
                try await Eventually.until { try await Self.invitations(harness, email: "omar@acme.ai").count == 1 }
            }
            let interrupted = try await BotRun.steps(try SQLiteEventStore(path: bot.storePath, logger: harness.logger), plugin: "invite")
            #expect(interrupted.map(\.status) == [.running])

            // The restart resumes the event; the journaled-but-unfinished action checks the API first.
            try await bot.run(Self.rules) { assembly, _ in
                try await Eventually.until {
                    try await BotRun.steps(assembly.store, plugin: "invite").allSatisfy(\.isFinal)
                }
            }
            #expect(try await Self.invitations(harness, email: "omar@acme.ai").count == 1)
            let steps = try await BotRun.steps(try SQLiteEventStore(path: bot.storePath, logger: harness.logger), plugin: "invite")
            #expect(steps.count == 1)
            #expect(steps.first?.status == .skipped)
            #expect(steps.first?.detail?.contains("sent by an earlier attempt") == true, "\(steps)")
        }
    }

    @Test func theRosterIsReconciledOnItsScheduleAndInvitesEachMissingPersonOnce() async throws {
        try await SimulatorHarness.with { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let roster = bot.storePath + ".roster.csv"
            defer { try? FileManager.default.removeItem(atPath: roster) }
            try "email,role\nrita@acme.ai,admin\nsam@acme.ai,\n".write(toFile: roster, atomically: true, encoding: .utf8)
            let config = """
                plugins:
                  invite:
                    allowed_domains: [acme.ai]
                    roster: { file: "\(roster)", organization: acme-labelers, every: 300ms }
                rules:
                  - name: roster
                    on: bot.roster.due
                    do:
                      - invite.reconcile: {}
                """
            try await bot.run(config) { assembly, _ in
                // Several periods pass: the first reconcile invites, the later ones find the invitations pending.
                try await Eventually.until {
                    try await assembly.store.recentEvents(limit: 50, since: nil).filter { $0.event.type == .botRosterDue && $0.status == .done }
                        .count >= 3
                }
            }
            let invitations = try await harness.simulator.allInvitations(organization: "acme-labelers")
            #expect(invitations.filter { $0.invitedEmail == "rita@acme.ai" }.map { $0.role?.rawValue } == ["admin"])
            #expect(invitations.filter { $0.invitedEmail == "sam@acme.ai" }.count == 1)
            let steps = try await BotRun.steps(try SQLiteEventStore(path: bot.storePath, logger: harness.logger), plugin: "invite")
            #expect(steps.filter { $0.status == .done }.count == 1, "\(steps.map { $0.detail ?? "" })")
            #expect(steps.contains { $0.status == .skipped && $0.detail?.contains("2 already invited") == true })
        }
    }

    @Test func anAddressOutsideTheAllowedDomainsIsNeverInvited() async throws {
        try await SimulatorHarness.with { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let config = """
                plugins:
                  invite: { allowed_domains: [acme.ai] }
                rules:
                  - name: invite-everyone
                    on: member.joined
                    do:
                      - invite: { organization: acme-labelers, email: "{{member.email}}" }
                """
            try await bot.run(config) { assembly, _ in
                _ = try await assembly.store.ingest(Self.joined(email: "mallory@evil.example", key: "evil-1"))
                assembly.dispatcher.signal.wake()
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "invite").first?.isFinal == true }
                let step = try #require(try await BotRun.steps(assembly.store, plugin: "invite").first)
                #expect(step.status == .dead)
                #expect(step.detail?.contains("outside plugins.invite.allowed_domains") == true)
            }
            #expect(
                try await harness.simulator.allInvitations(organization: "acme-labelers").allSatisfy { $0.invitedEmail != "mallory@evil.example" }
            )
        }
    }

    /// One address Avala refuses for good does not hold up the rest of the roster: the others are invited,
    /// the extras removed, and the refusal is reported in the dead-lettered outcome.
    @Test func anAddressAvalaRefusesIsReportedAndTheRestOfTheRosterStillReconciles() async throws {
        try await SimulatorHarness.with { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let roster = bot.storePath + ".roster.csv"
            defer { try? FileManager.default.removeItem(atPath: roster) }
            try "email\nrita@acme.ai\nsam@acme.ai\ntom@acme.ai\n".write(toFile: roster, atomically: true, encoding: .utf8)
            let extra = try await harness.simulator.addMember(organization: "acme-labelers", email: "extra@acme.ai")
            // The first invitation posted (rita's) is refused.
            await harness.simulator.injectFault(Fault(pathPrefix: "/organizations/acme-labelers/invitations/", method: "POST", status: 400, count: 1))
            let config = """
                plugins:
                  invite:
                    allowed_domains: [acme.ai]
                    roster: { file: "\(roster)", organization: acme-labelers, remove_extras: true }
                rules:
                  - name: roster
                    on: member.joined
                    do:
                      - invite.reconcile: {}
                """
            try await bot.run(config) { assembly, _ in
                _ = try await assembly.store.ingest(Self.joined(email: "nina@acme.ai", key: "roster-1"))
                assembly.dispatcher.signal.wake()
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "invite").first?.isFinal == true }
                let step = try #require(try await BotRun.steps(assembly.store, plugin: "invite").first)
                let detail = step.detail ?? ""
                #expect(step.status == .dead)
                #expect(step.attempts == 1)
                #expect(detail.contains("invited 2 (sam@acme.ai, tom@acme.ai)"), "\(detail)")
                #expect(detail.contains("removed 1 extras (extra@acme.ai)"), "\(detail)")
                #expect(detail.contains("Avala refused 1 (rita@acme.ai: "), "\(detail)")
                #expect(detail.contains("HTTP 400"), "\(detail)")
            }
            let invitations = try await harness.simulator.allInvitations(organization: "acme-labelers")
            #expect(invitations.filter { $0.invitedEmail == "sam@acme.ai" }.count == 1)
            #expect(invitations.filter { $0.invitedEmail == "tom@acme.ai" }.count == 1)
            #expect(invitations.allSatisfy { $0.invitedEmail != "rita@acme.ai" })
            let members = try await harness.withClient { client in try await client.members(organization: "acme-labelers").collect() }
            #expect(!members.contains { $0.userUID == extra.userUID })
        }
    }

    static func posts(_ harness: SimulatorHarness, endingWith suffix: String) async -> Int {
        await harness.simulator.requests().filter { $0.method == "POST" && $0.path.hasSuffix(suffix) }.count
    }

    /// Avala adds carol to the team but the answer never arrives: the retry finds her in the team and is
    /// content, instead of adding her again and being refused (a dead letter for something that was done).
    @Test func aLostAnswerToAddToTeamLeavesOneMembershipAndNoDeadLetter() async throws {
        try await SimulatorHarness.with { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let members = try await harness.withClient { client in try await client.members(organization: "acme-ai").collect() }
            let carol = try #require(members.first { $0.email == "carol@acme.ai" }?.userUID)
            let config = """
                plugins:
                  invite: { allowed_domains: [acme.ai] }
                rules:
                  - name: onto-reviewers
                    on: member.joined
                    do:
                      - invite.add_to_team: { organization: acme-ai, user: "{{member.user_uid}}", team: reviewers }
                """
            await harness.simulator.injectFault(
                Fault(pathPrefix: "/organizations/acme-ai/teams/reviewers/members/", method: "POST", count: 1, dropAfterHandling: true)
            )
            try await bot.run(config) { assembly, _ in
                let joined = EventNormalizer.normalize(
                    type: .memberJoined,
                    body: ["organization": "acme-ai", "member": ["user_uid": .string(carol), "email": "carol@acme.ai", "role": "member"]],
                    source: "test",
                    deliveryID: "team-1"
                )
                _ = try await assembly.store.ingest(joined)
                assembly.dispatcher.signal.wake()
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "invite").first?.isFinal == true }
                let step = try #require(try await BotRun.steps(assembly.store, plugin: "invite").first)
                #expect(step.status == .skipped, "\(step.status): \(step.detail ?? "")")
                #expect(step.detail == "\(carol) is already in team reviewers of acme-ai (added by an earlier attempt)", "\(step.detail ?? "")")
            }
            let team = try await harness.withClient { client in try await client.teamMembers(organization: "acme-ai", team: "reviewers").collect() }
            #expect(team.map(\.userUID) == [carol])
            #expect(await Self.posts(harness, endingWith: "/teams/reviewers/members/") == 1)
        }
    }

    /// Avala resends the invitation but the answer never arrives: the retry does not send a second email.
    @Test func aLostAnswerToResendDoesNotSendASecondEmail() async throws {
        let (step, posts) = try await Self.resendToDave(with: Fault(pathPrefix: Self.resendPath, method: "POST", count: 1, dropAfterHandling: true))
        #expect(step.status == .skipped, "\(step.status): \(step.detail ?? "")")
        #expect(step.detail?.contains("cannot know whether it was sent") == true, "\(step.detail ?? "")")
        #expect(posts == 1)
    }

    /// A 503 from Avala's gateway says the resend had no effect: the retry sends it, once.
    @Test func aResendRefusedByTheGatewayIsSentOnTheRetry() async throws {
        let (step, posts) = try await Self.resendToDave(with: Fault(pathPrefix: Self.resendPath, method: "POST", status: 503, count: 1))
        #expect(step.status == .done, "\(step.status): \(step.detail ?? "")")
        #expect(posts == 2)
    }

    static let resendPath = "/organizations/acme-ai/invitations/\(SimulatorSeed.UID.pendingInvitation)/resend/"

    /// Runs a rule that resends dave's pending invitation, with `fault` on the resend: the step as it
    /// ended, and how many resends Avala received.
    static func resendToDave(with fault: Fault) async throws -> (step: StepRecord, posts: Int) {
        try await SimulatorHarness.with { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let config = """
                plugins:
                  invite: { allowed_domains: [acme.ai] }
                rules:
                  - name: nudge-dave
                    on: member.joined
                    do:
                      - invite.resend: { organization: acme-ai, email: dave@acme.ai }
                """
            await harness.simulator.injectFault(fault)
            let step = try await bot.run(config) { assembly, _ in
                _ = try await assembly.store.ingest(Self.joined(email: "nina@acme.ai", key: "resend-1"))
                assembly.dispatcher.signal.wake()
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "invite").first?.isFinal == true }
                return try #require(try await BotRun.steps(assembly.store, plugin: "invite").first)
            }
            return (step, await Self.posts(harness, endingWith: resendPath))
        }
    }

    /// Avala cancels the invitation but the answer never arrives; the client sends the cancel again and
    /// Avala refuses it (the invitation is no longer pending). What the action was for holds: it is not
    /// dead-lettered.
    @Test func aLostAnswerToCancelIsNotADeadLetter() async throws {
        try await SimulatorHarness.with { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let config = """
                plugins:
                  invite: { allowed_domains: [acme.ai] }
                rules:
                  - name: withdraw-dave
                    on: member.joined
                    do:
                      - invite.cancel: { organization: acme-ai, email: dave@acme.ai }
                """
            let cancel = "/organizations/acme-ai/invitations/\(SimulatorSeed.UID.pendingInvitation)/cancel/"
            await harness.simulator.injectFault(Fault(pathPrefix: cancel, method: "POST", count: 1, dropAfterHandling: true))
            try await bot.run(config) { assembly, _ in
                _ = try await assembly.store.ingest(Self.joined(email: "nina@acme.ai", key: "cancel-1"))
                assembly.dispatcher.signal.wake()
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "invite").first?.isFinal == true }
                let step = try #require(try await BotRun.steps(assembly.store, plugin: "invite").first)
                #expect(step.status == .skipped, "\(step.status): \(step.detail ?? "")")
                #expect(step.detail?.contains("is no longer pending") == true, "\(step.detail ?? "")")
            }
            let invitations = try await harness.simulator.allInvitations(organization: "acme-ai")
            #expect(invitations.first { $0.uid == SimulatorSeed.UID.pendingInvitation }?.status == .cancelled)
        }
    }
}
