import AvalaAPI
import AvalaSimulator
import Foundation
import TestSupport
import Testing

/// Every endpoint the bot uses, against the simulator over real HTTP.
@Suite struct EndpointTests {
    @Test func datasets() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client async throws in
                let all = try await client.datasets().collect()
                #expect(all.map(\.slug) == ["training-v2", "validation-v1"])
                #expect(all.allSatisfy { $0.ownerName == "acme-ai" })
                let videos = try await client.datasets(dataType: .video).collect()
                #expect(videos.map(\.slug) == ["validation-v1"])
                let byUID = try await client.dataset(uid: SimulatorSeed.UID.trainingDataset)
                let bySlug = try await client.dataset(owner: "acme-ai", slug: "training-v2")
                #expect(byUID == bySlug)
                #expect(byUID.itemCount == 1_200)
                let items = try await client.datasetItems(owner: "acme-ai", slug: "validation-v1").collect()
                #expect(items.count == 40)
                let item = try await client.datasetItem(owner: "acme-ai", slug: "validation-v1", uid: items[3].uid)
                #expect(item == items[3])
            }
        }
    }

    @Test func projectsAndMetrics() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client async throws in
                let mine = try await client.projects().collect()
                #expect(Set(mine.compactMap(\.status)) == [.active, .completed])
                let owned = try await client.projects(owner: "acme-ai").collect()
                #expect(owned.map(\.uid) == mine.map(\.uid))
                let project = try await client.project(uid: SimulatorSeed.UID.completedProject)
                #expect(project.name == "prod-pedestrians")
                let metrics = try #require(try await client.projectMetrics(uid: SimulatorSeed.UID.activeProject))
                #expect(metrics.completionPercent == 45)
                #expect(metrics.acceptanceRate == 0.94)
                // No metrics for a project: a normal answer, not an error.
                let bare = try await harness.simulator.createProject(name: "no-metrics")
                #expect(try await client.projectMetrics(uid: bare.uid) == nil)
            }
        }
    }

    @Test func exportsInAllThreeRequestShapes() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client async throws in
                let sdk = try await client.createExport(.sdkProject(SimulatorSeed.UID.activeProject))
                #expect(sdk.projects == [SimulatorSeed.UID.activeProject])
                let dataset = try await client.createExport(.sdkDataset(SimulatorSeed.UID.trainingDataset))
                #expect(dataset.datasets == [SimulatorSeed.UID.trainingDataset])
                let documented = try await client.createExport(
                    .documented(name: "nightly", format: "yolo", projects: [SimulatorSeed.UID.completedProject])
                )
                #expect(documented.name == "nightly")
                #expect(documented.format == "yolo")
                let scoped = try await client.createExport(.projectScoped(project: SimulatorSeed.UID.activeProject, format: "coco"))
                #expect(scoped.format == "coco")
                #expect(scoped.status == .requested)

                let listed = try await client.exports().collect()
                #expect(Array(listed.prefix(4).map(\.uid)) == [scoped.uid, documented.uid, dataset.uid, sdk.uid])

                var current = scoped
                while !(current.status?.isTerminal ?? false) {
                    try await Task.sleep(for: .milliseconds(50))
                    current = try await client.export(uid: scoped.uid)
                }
                #expect(current.status == .exported)
                #expect(current.downloadURL != nil)

                let invalid = try await #require(throws: AvalaError.self) {
                    try await client.createExport(.sdkProject("no-such-project"))
                }
                #expect(invalid.code == .validation)
                #expect(invalid.details.contains { $0.hasPrefix("projects:") })
            }
        }
    }

    @Test func tasks() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client async throws in
                let all = try await client.tasks().collect()
                #expect(all.count == 6)
                let task = try await client.task(uid: all[0].uid)
                #expect(task == all[0])
            }
        }
    }

    @Test func organizationsMembersAndInvitations() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client async throws in
                let acme = try await client.organization(slug: "acme-ai")
                #expect(acme.name == "Acme AI")
                #expect(acme.memberCount == 3)
                let members = try await client.members(organization: "acme-ai").collect()
                #expect(members.map(\.email) == ["alice@acme.ai", "bob@acme.ai", "carol@acme.ai"])

                let invitation = try await client.createInvitation(organization: "acme-ai", email: "frank@acme.ai", role: .admin)
                #expect(invitation.invitedEmail == "frank@acme.ai")
                #expect(invitation.role == .admin)
                #expect(invitation.status == .pending)
                let pending = try await client.invitations(organization: "acme-ai").collect()
                #expect(Set(pending.map(\.invitedEmail)) == ["dave@acme.ai", "frank@acme.ai"])

                let duplicate = try await #require(throws: AvalaError.self) {
                    try await client.createInvitation(organization: "acme-ai", email: "frank@acme.ai")
                }
                #expect(duplicate.code == .validation)

                try await client.resendInvitation(organization: "acme-ai", uid: invitation.uid)
                try await client.cancelInvitation(organization: "acme-ai", uid: invitation.uid)
                let after = try await client.invitations(organization: "acme-ai").collect()
                #expect(after.map(\.invitedEmail) == ["dave@acme.ai"])

                let carol = try #require(members.first { $0.username == "carol" })
                try await client.updateMemberRole(organization: "acme-ai", userUID: carol.userUID, role: .admin)
                try await client.removeMember(organization: "acme-ai", userUID: members[1].userUID)
                let changed = try await client.members(organization: "acme-ai").collect()
                #expect(changed.map(\.username) == ["alice", "carol"])
                #expect(changed.last?.role == .admin)
            }
        }
    }

    @Test func teams() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client async throws in
                let teams = try await client.teams(organization: "acme-ai").collect()
                #expect(teams.map(\.slug) == ["reviewers"])
                let member = try #require(try await client.members(organization: "acme-ai").collect().first)
                let added = try await client.addTeamMember(
                    organization: "acme-ai",
                    team: "reviewers",
                    userUID: member.userUID,
                    role: "lead"
                )
                #expect(added.role == "lead")
                let team = try await client.team(organization: "acme-ai", slug: "reviewers")
                #expect(team.memberCount == 1)
                #expect(try await client.teamMembers(organization: "acme-ai", team: "reviewers").collect().map(\.userUID) == [member.userUID])
            }
        }
    }

    @Test func webhooksAndDeliveries() async throws {
        let receiver = RecordingServer()
        try await receiver.serve { target in
            try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
                try await harness.withClient { client async throws in
                    let hook = try await client.createWebhook(
                        targetURL: target + "/hook",
                        events: ["export.completed"],
                        secret: "whsec_test_secret"
                    )
                    #expect(hook.secret?.revealed == "whsec_test_secret")
                    #expect(hook.isActive)
                    let listed = try await client.webhooks().collect()
                    #expect(listed.map(\.uid) == [hook.uid])
                    #expect(listed[0].secret == nil)
                    let updated = try await client.updateWebhook(uid: hook.uid, events: ["export.completed", "export.failed"])
                    #expect(updated.events == ["export.completed", "export.failed"])
                    let test = try await client.testWebhook(uid: hook.uid)
                    #expect(test.success == true)

                    var deliveries: [WebhookDelivery] = []
                    while deliveries.first?.status != .delivered {
                        try await Task.sleep(for: .milliseconds(30))
                        deliveries = try await client.webhookDeliveries().collect()
                    }
                    #expect(deliveries.first?.eventType == "webhook.test")
                    #expect(deliveries.first?.subscription == hook.uid)
                    let one = try await client.webhookDelivery(uid: deliveries[0].uid)
                    #expect(one.attempts == 1)

                    try await client.deleteWebhook(uid: hook.uid)
                    let gone = try await #require(throws: AvalaError.self) { try await client.webhook(uid: hook.uid) }
                    #expect(gone.code == .notFound)
                }
            }
        }
        #expect(receiver.received.count == 1)
    }
}
