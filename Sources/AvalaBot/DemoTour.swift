import AvalaAPI
import AvalaSimulator
import Foundation

/// The demo's scenario: the API calls behind the three jobs, against the simulator.
struct DemoTour {
    let client: AvalaClient
    let simulator: AvalaSimulator
    let timeline: DemoTimeline

    func play() async throws {
        let datasets = try await client.datasets().collect()
        timeline.say("api", "Listed \(datasets.count) datasets across all pages")
        let details = await client.datasetDetails(datasets, maxConcurrency: 4)
        let items = details.compactMap { try? $0.get().itemCount }.reduce(0, +)
        timeline.say("api", "Fetched details of \(details.count) datasets, at most 4 at once: \(items) items in all")

        // Job 1: someone joins acme-ai, and is invited to acme-labelers.
        let member = try await simulator.addMember(organization: "acme-ai", email: "erin@acme.ai")
        timeline.say("avala", "erin@acme.ai joined acme-ai")
        let members = try await client.members(organization: "acme-labelers").collect()
        let pending = try await client.invitations(organization: "acme-labelers").collect()
        let email = member.email ?? ""
        if members.contains(where: { $0.email == email }) || pending.contains(where: { $0.invitedEmail == email }) {
            timeline.say("invite", "\(email) is already in acme-labelers: skipped")
        } else {
            let invitation = try await client.createInvitation(organization: "acme-labelers", email: email, role: .member)
            timeline.say("invite", "Invited \(invitation.invitedEmail) to acme-labelers as \(invitation.role?.rawValue ?? "member")")
        }

        // Job 2: an export completes, and the next one starts.
        let export = try await client.createExport(
            .documented(name: "yolo-after-coco", format: "yolo", projects: [SimulatorSeed.UID.completedProject])
        )
        timeline.say("export", "Started export \(export.uid.prefix(8)) (yolo) of prod-pedestrians")
        var current = export
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while !(current.status?.isTerminal ?? false), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            current = try await client.export(uid: export.uid)
        }
        timeline.say("export", "Export \(export.uid.prefix(8)) is \(current.status?.rawValue ?? "unknown")")

        // Job 3: an export fails, and someone should hear of it.
        let failing = try await client.createExport(.projectScoped(project: SimulatorSeed.UID.activeProject, format: "coco"))
        try await simulator.failExport(uid: failing.uid, error: "Worker ran out of memory")
        let failed = try await client.export(uid: failing.uid)
        timeline.say("alert", "Export \(failed.uid.prefix(8)) failed: \(failed.error ?? "no reason given")")
    }
}
