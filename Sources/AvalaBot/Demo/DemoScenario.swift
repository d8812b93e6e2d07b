import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Foundation

/// The three jobs, played against the simulator while the bot runs, each waited for until the bot has
/// done its part (or the demo's deadline passes, naming the job that did not finish).
struct DemoScenario {
    let client: AvalaClient
    let simulator: AvalaSimulator
    let store: any EventStore
    let receiver: DemoReceiver
    let timeline: DemoTimeline
    let deadline: ContinuousClock.Instant

    /// What each job came to, for the summary.
    struct Results {
        var invitation = ""
        var chain = ""
        var alert = ""
    }

    func play() async throws -> Results {
        var results = Results()
        results.invitation = try await job(1, "auto-invite") { try await autoInvite() }
        results.chain = try await job(2, "chained exports") { try await chainedExports() }
        results.alert = try await job(3, "ops alerting") { try await alerting() }
        return results
    }

    /// Runs one job; when it times out or the demo is stopped, the failure names the job that did not
    /// finish, so the operator knows how far the demo got.
    private func job(_ number: Int, _ name: String, _ body: () async throws -> String) async throws -> String {
        do {
            return try await body()
        } catch {
            let job = "job \(number) of 3 (\(name)) did not finish"
            // Stopped from outside (a signal): whatever the cancellation surfaced as, that is the story.
            if Task.isCancelled { throw DemoFailure(job) }
            if let failure = error as? DemoFailure { throw DemoFailure("\(job): \(failure)") }
            throw DemoFailure("\(job): \(error)")
        }
    }

    private func autoInvite() async throws -> String {
        try await until("the members poller's first look at acme-ai") { try await store.snapshot("members:acme-ai") != nil }
        timeline.say("demo", "Job 1 — dana@acme.ai joins acme-ai")
        _ = try await simulator.addMember(organization: "acme-ai", email: "dana@acme.ai", role: .member)
        let invitation = try await value("an invitation of dana@acme.ai to acme-labelers") {
            try await simulator.allInvitations(organization: "acme-labelers").first { $0.invitedEmail == "dana@acme.ai" }
        }
        return "dana@acme.ai joined acme-ai → invited to acme-labelers (\(invitation.uid))"
    }

    private func chainedExports() async throws -> String {
        timeline.say("demo", "Job 2 — someone exports prod-cars as COCO")
        let coco = try await client.createExport(
            .documented(name: "prod-cars-coco", format: "coco", projects: [SimulatorSeed.UID.activeProject])
        )
        let yolo = try await value("a YOLO export started by the bot") {
            try await client.exports(ordering: "-created_at").collect().first {
                $0.format == "yolo" && $0.projects == [SimulatorSeed.UID.activeProject]
                    && ($0.createdAt ?? .distantPast) >= (coco.createdAt ?? .distantPast)
            }
        }
        try await until("the YOLO export's completion to reach the next rule") {
            try await store.recentEvents(limit: 200, since: nil).contains { stored in
                stored.event.data["export"]?["uid"]?.stringValue == yolo.uid && stored.status == .done
                    && stored.event.type == .exportCompleted
            }
        }
        return "COCO export \(coco.uid.prefix(8))… completed → YOLO export \(yolo.uid.prefix(8))… started, completed, chain depth 1"
    }

    private func alerting() async throws -> String {
        timeline.say("demo", "Job 3 — an export of prod-pedestrians fails")
        let doomed = try await client.createExport(
            .documented(name: "prod-pedestrians-json", format: "avala-json-external", projects: [SimulatorSeed.UID.completedProject])
        )
        _ = try await simulator.failExport(uid: doomed.uid, error: "Export worker ran out of memory")
        try await until("the alert to reach the Slack stand-in") { !receiver.received.isEmpty }
        return "export \(doomed.uid.prefix(8))… failed → \(receiver.received.count) message in #ops"
    }

    private func until(_ what: String, _ condition: () async throws -> Bool) async throws {
        _ = try await value(what) { try await condition() ? true : nil }
    }

    /// Polls `probe` until it gives a value; past the deadline, fails naming `what`.
    private func value<T>(_ what: String, _ probe: () async throws -> T?) async throws -> T {
        while ContinuousClock.now < deadline {
            if let found = try await probe() { return found }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DemoFailure("timed out waiting for \(what)")
    }
}
