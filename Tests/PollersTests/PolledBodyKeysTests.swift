import AvalaAPI
import AvalaSimulator
import BotKit
import Pollers
import TestSupport
import Testing

@testable import BotEngine

/// `check-config` warns from EventBodyKeys' hand-kept tables (a key no body has, `organization.slug`
/// where `organization` is a text, a misspelt member field). These tests hold the tables to the bodies
/// the pollers really build against the simulator: a poller that adds a key or turns a text into an
/// object without its table fails here, instead of the bot warning wrongly or staying silent.
@Suite struct PolledBodyKeysTests {
    /// Fails with every way the stored events of `type` differ from the tables; requires at least one.
    static func expectTablesDescribe(
        _ type: EventType,
        in fixture: PollerFixture,
        optional: Set<String> = [],
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) async throws {
        let events = try await fixture.events(type)
        #expect(!events.isEmpty, "no \(type.rawValue) was raised", sourceLocation: sourceLocation)
        for event in events {
            let mismatches = EventBodyKeys.mismatches(in: event.data, for: type, optional: optional)
            #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "; "))", sourceLocation: sourceLocation)
        }
    }

    @Test func membersBodies() async throws {
        try await PollerFixture.with { fixture in
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context())
            _ = try await poller.pollOnce()
            let joined = try await fixture.simulator.addMember(organization: "acme-ai", email: "new.person@acme.ai")
            _ = try await poller.pollOnce()
            try await fixture.simulator.changeRole(organization: "acme-ai", userUID: joined.userUID, role: .admin)
            _ = try await poller.pollOnce()
            try await fixture.simulator.removeMember(organization: "acme-ai", userUID: joined.userUID)
            _ = try await poller.pollOnce()
            for type in [EventType.memberJoined, .memberRoleChanged, .memberLeft] {
                try await Self.expectTablesDescribe(type, in: fixture)
            }
        }
    }

    @Test func invitationsBodies() async throws {
        try await PollerFixture.with { fixture in
            let accepted = try await fixture.client.createInvitation(organization: "acme-ai", email: "joiner@acme.ai")
            let expired = try await fixture.client.createInvitation(organization: "acme-ai", email: "sleeper@acme.ai")
            let poller = InvitationsPoller(organization: "acme-ai", context: fixture.context())
            _ = try await poller.pollOnce()
            try await fixture.simulator.acceptInvitation(uid: accepted.uid)
            try await fixture.simulator.expireInvitation(uid: expired.uid)
            // The accepted one is a member; the other is listed past its expiry (`is_expired: true`).
            _ = try await poller.pollOnce()
            _ = try await poller.pollOnce()
            for type in [EventType.invitationAccepted, .invitationExpired] {
                try await Self.expectTablesDescribe(type, in: fixture)
            }
        }
    }

    @Test func projectsBodies() async throws {
        try await PollerFixture.with { fixture in
            let project = try await fixture.simulator.createProject(
                name: "prod-metrics",
                status: .active,
                metrics: ProjectMetrics(totalTasks: 100, completedTasks: 10, acceptanceRate: 0.95)
            )
            let poller = ProjectsPoller(context: fixture.context(), progressThresholds: [50], minAcceptanceRate: 0.8)
            _ = try await poller.pollOnce()
            try await fixture.simulator.updateProject(
                uid: project.uid,
                status: .completed,
                metrics: ProjectMetrics(totalTasks: 100, completedTasks: 60, acceptanceRate: 0.5)
            )
            _ = try await poller.pollOnce()
            for type in [EventType.projectStatusChanged, .projectCompleted, .projectProgress, .projectQualityDropped] {
                try await Self.expectTablesDescribe(type, in: fixture)
            }
        }
    }

    @Test func deliveriesBodies() async throws {
        try await PollerFixture.with { fixture in
            let poller = DeliveriesPoller(context: fixture.context())
            _ = try await poller.pollOnce()
            // Port 9 on loopback refuses connections: every attempt fails, then the delivery is failed.
            _ = try await fixture.client.createWebhook(targetURL: "http://127.0.0.1:9/hook", events: ["export.completed"])
            try await fixture.simulator.finishExport(uid: SimulatorSeed.UID.processingExport)
            try await Eventually.until {
                try await fixture.client.webhookDeliveries().collect().first?.status == .failed
            }
            _ = try await poller.pollOnce()
            try await Self.expectTablesDescribe(.webhookDeliveryFailed, in: fixture)
        }
    }

    /// The export's `project` comes from the dispatcher's enrichment, after the poller: optional here.
    @Test func exportsBodies() async throws {
        try await PollerFixture.with { fixture in
            let poller = ExportsPoller(context: fixture.context())
            _ = try await poller.pollOnce()
            let request = ExportRequest.documented(name: "poll-me", format: "coco", projects: [SimulatorSeed.UID.activeProject])
            let done = try await fixture.client.createExport(request)
            let failed = try await fixture.client.createExport(request)
            try await fixture.simulator.finishExport(uid: done.uid)
            try await fixture.simulator.failExport(uid: failed.uid, error: "disk full")
            _ = try await poller.pollOnce()
            for type in [EventType.exportCompleted, .exportFailed] {
                try await Self.expectTablesDescribe(type, in: fixture, optional: ["project"])
            }
        }
    }

    @Test func pollerHealthBodies() async throws {
        try await PollerFixture.with(client: PollerFixture.noRetries) { fixture in
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context(failingAfter: 1))
            var loop = PollLoop(poller: poller)
            _ = await loop.runCycle()
            await fixture.simulator.injectFault(Fault(pathPrefix: "/organizations/acme-ai/members", status: 503, count: 1))
            #expect(await loop.runCycle().raised == .botPollerFailing)
            #expect(await loop.runCycle().raised == .botPollerRecovered)
            for type in [EventType.botPollerFailing, .botPollerRecovered] {
                try await Self.expectTablesDescribe(type, in: fixture)
            }
        }
    }
}
