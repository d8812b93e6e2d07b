import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Foundation
import Pollers
import Synchronization
import TestSupport
import Testing

@Suite struct ProjectsPollerTests {
    @Test func aStatusChangeToCompletedFiresBothEventsOnce() async throws {
        try await PollerFixture.with { fixture in
            let project = try await fixture.simulator.createProject(name: "prod-cars", status: .active)
            let poller = ProjectsPoller(context: fixture.context())
            #expect(try await poller.pollOnce().raised == 0)

            let updated = try await fixture.simulator.updateProject(uid: project.uid, status: .completed)
            #expect(try await poller.pollOnce().stored == 2)
            #expect(try await poller.pollOnce().raised == 0)
            let stamp = AvalaJSON.formatTimestamp(try #require(updated.updatedAt))
            let changed = try #require(try await fixture.events(.projectStatusChanged).first)
            #expect(changed.data["from"]?.stringValue == "active")
            #expect(changed.data["to"]?.stringValue == "completed")
            #expect(changed.data[path: "project.name"]?.stringValue == "prod-cars")
            #expect(changed.keys == ["project.status_changed:\(project.uid):completed:\(stamp)"])
            // Forwarded to another bot (or written as a file), the body alone gives the same key.
            #expect(
                EventNormalizer.botForm(type: changed.type, data: changed.data.objectValue ?? [:], source: "peer", deliveryID: nil).keys
                    == changed.keys
            )
            let completed = try #require(try await fixture.events(.projectCompleted).first)
            #expect(completed.data["from"]?.stringValue == "active")
            #expect(completed.keys == ["project.completed:\(project.uid):\(stamp)"])
        }
    }

    @Test func progressAndQualityFireWhenMetricsCrossTheirThresholds() async throws {
        try await PollerFixture.with { fixture in
            let project = try await fixture.simulator.createProject(
                name: "prod-metrics",
                metrics: ProjectMetrics(totalTasks: 100, completedTasks: 10, acceptanceRate: 0.95)
            )
            let poller = ProjectsPoller(context: fixture.context(), progressThresholds: [50, 90], minAcceptanceRate: 0.8)
            _ = try await poller.pollOnce()

            try await fixture.simulator.updateProject(
                uid: project.uid,
                metrics: ProjectMetrics(totalTasks: 100, completedTasks: 60, acceptanceRate: 0.5)
            )
            #expect(try await poller.pollOnce().stored == 2)
            #expect(try await poller.pollOnce().raised == 0)
            let progress = try #require(try await fixture.events(.projectProgress).first)
            #expect(progress.keys == ["project.progress:\(project.uid):50"])
            #expect(progress.data["threshold"]?.numberValue == 50)
            #expect(progress.data[path: "metrics.completed_tasks"]?.intValue == 60)
            let dropped = try #require(try await fixture.events(.projectQualityDropped).first)
            #expect(dropped.data["threshold"]?.numberValue == 0.8)

            try await fixture.simulator.updateProject(
                uid: project.uid,
                metrics: ProjectMetrics(totalTasks: 100, completedTasks: 95, acceptanceRate: 0.4)
            )
            // 90 % is crossed; quality is still low, which is not a new drop.
            #expect(try await poller.pollOnce().stored == 1)
            #expect(try await fixture.count(.projectProgress) == 2)
            #expect(try await fixture.count(.projectQualityDropped) == 1)
        }
    }

    /// The first cycle is quiet for metrics as for statuses: thresholds crossed and a low acceptance rate
    /// before the bot started are recorded, not raised, and a later change of the project raises only
    /// what is new. A project whose metrics the first cycle could not read is quiet on its first read.
    @Test func theFirstCycleRecordsMetricsWithoutRaising() async throws {
        try await PollerFixture.with(client: PollerFixture.noRetries) { fixture in
            let done = ProjectMetrics(totalTasks: 100, completedTasks: 100, acceptanceRate: 0.5)
            let finished = try await fixture.simulator.createProject(name: "finished", metrics: done)
            let refused = try await fixture.simulator.createProject(name: "refused-at-start", metrics: done)
            await fixture.simulator.injectFault(Fault(pathPrefix: "/projects/\(refused.uid)/metrics", status: 500))
            let clock = Mutex(Date())
            let poller = ProjectsPoller(
                context: fixture.context(),
                progressThresholds: [50, 100],
                minAcceptanceRate: 0.9,
                now: { clock.withLock { $0 } }
            )
            let baseline = try await poller.pollOnce()
            #expect(baseline.baseline && baseline.raised == 0)

            await fixture.simulator.clearFaults()
            clock.withLock { $0 += 61 }
            try await fixture.simulator.updateProject(uid: finished.uid, status: .completed)
            try await fixture.simulator.updateProject(uid: refused.uid, status: .completed)
            #expect(try await poller.pollOnce().stored == 4, "status_changed and completed of each; no progress, no quality drop")
            #expect(try await fixture.count(.projectProgress) == 0)
            #expect(try await fixture.count(.projectQualityDropped) == 0)

            // Quality recovers, then drops again: that drop is news.
            try await fixture.simulator.updateProject(
                uid: finished.uid,
                metrics: ProjectMetrics(totalTasks: 100, completedTasks: 100, acceptanceRate: 0.95)
            )
            #expect(try await poller.pollOnce().raised == 0)
            try await fixture.simulator.updateProject(uid: finished.uid, metrics: done)
            #expect(try await poller.pollOnce().stored == 1)
            #expect(try await fixture.events(.projectQualityDropped).compactMap(\.subject?.uid) == [finished.uid])
        }
    }

    /// A threshold or a minimum acceptance rate added to the config later is new to every project: what
    /// it would have caught before it existed is recorded, not raised, and only later crossings fire.
    @Test func aThresholdAddedLaterDoesNotFireForWhatWasAlreadyCrossed() async throws {
        try await PollerFixture.with { fixture in
            let project = try await fixture.simulator.createProject(
                name: "half-done",
                metrics: ProjectMetrics(totalTasks: 100, completedTasks: 60, acceptanceRate: 0.5)
            )
            _ = try await ProjectsPoller(context: fixture.context(), progressThresholds: [90]).pollOnce()
            // Restarted with 25 and a minimum rate added; the project then changes.
            let poller = ProjectsPoller(context: fixture.context(), progressThresholds: [25, 90], minAcceptanceRate: 0.8)
            try await fixture.simulator.updateProject(uid: project.uid, status: .paused)
            #expect(try await poller.pollOnce().stored == 1, "the status change only")
            #expect(try await fixture.count(.projectProgress) == 0)
            #expect(try await fixture.count(.projectQualityDropped) == 0)

            try await fixture.simulator.updateProject(
                uid: project.uid,
                metrics: ProjectMetrics(totalTasks: 100, completedTasks: 95, acceptanceRate: 0.9)
            )
            #expect(try await poller.pollOnce().stored == 1, "90 % crossed now")
            try await fixture.simulator.updateProject(
                uid: project.uid,
                metrics: ProjectMetrics(totalTasks: 100, completedTasks: 96, acceptanceRate: 0.4)
            )
            #expect(try await poller.pollOnce().stored == 1, "a drop after the minimum was known")
            #expect(try await fixture.events(.projectProgress).map { $0.data["threshold"]?.numberValue } == [90])
        }
    }

    @Test func aProjectWithoutMetricsWarnsOnceAndIsNotAskedAgain() async throws {
        try await PollerFixture.with { fixture in
            let project = try await fixture.simulator.createProject(name: "no-metrics")
            let poller = ProjectsPoller(context: fixture.context(), progressThresholds: [50])
            _ = try await poller.pollOnce()
            #expect(fixture.warnings("Project has no metrics; progress and quality checks are off for it") == 1, "the first cycle asks")
            try await fixture.simulator.updateProject(uid: project.uid, status: .paused)
            let first = try await poller.pollOnce()
            #expect(first.apiCalls == 1)
            try await fixture.simulator.updateProject(uid: project.uid, status: .active)
            let second = try await poller.pollOnce()
            #expect(second.apiCalls == 1)
            #expect(fixture.warnings("Project has no metrics; progress and quality checks are off for it") == 1)
            #expect(try await fixture.count(.projectStatusChanged) == 2)
        }
    }

    /// The metrics endpoint is optional: a project whose metrics fail (403 here) skips its checks for the
    /// cycle with one warning, while every project's status events still fire.
    @Test func aMetricsFailureForOneProjectDoesNotHoldBackTheOthers() async throws {
        try await PollerFixture.with(client: PollerFixture.noRetries) { fixture in
            let low = ProjectMetrics(totalTasks: 100, completedTasks: 10, acceptanceRate: 0.9)
            let high = ProjectMetrics(totalTasks: 100, completedTasks: 60, acceptanceRate: 0.9)
            let forbidden = try await fixture.simulator.createProject(name: "metrics-forbidden", metrics: low)
            let healthy = try await fixture.simulator.createProject(name: "metrics-ok", metrics: low)
            let clock = Mutex(Date())
            let poller = ProjectsPoller(context: fixture.context(), progressThresholds: [50], now: { clock.withLock { $0 } })
            _ = try await poller.pollOnce()

            await fixture.simulator.injectFault(Fault(pathPrefix: "/projects/\(forbidden.uid)/metrics", status: 403))
            try await fixture.simulator.updateProject(uid: forbidden.uid, status: .paused, metrics: high)
            try await fixture.simulator.updateProject(uid: healthy.uid, status: .paused, metrics: high)
            #expect(try await poller.pollOnce().stored == 3)
            #expect(Set(try await fixture.events(.projectStatusChanged).compactMap(\.subject?.uid)) == [forbidden.uid, healthy.uid])
            #expect(try await fixture.events(.projectProgress).compactMap(\.subject?.uid) == [healthy.uid])

            // Not asked again within the minute: one listing call only.
            #expect(try await poller.pollOnce().apiCalls == 1)
            // Still refused a minute later: asked again, warned once, then left for two minutes.
            clock.withLock { $0 += 61 }
            #expect(try await poller.pollOnce().apiCalls == 2)
            let warning = "Project metrics could not be read; its progress and quality checks wait until they can"
            #expect(fixture.warnings(warning) == 1)
            clock.withLock { $0 += 61 }
            #expect(try await poller.pollOnce().apiCalls == 1)

            await fixture.simulator.clearFaults()
            clock.withLock { $0 += 61 }
            #expect(try await poller.pollOnce().stored == 1)
            #expect(try await fixture.events(.projectProgress).compactMap(\.subject?.uid) == [healthy.uid, forbidden.uid])
        }
    }
}

extension ProjectsPollerTests {
    /// A first listing the server cuts short (a next link to an empty page) does not reach every project.
    /// What a project's metrics showed before the bot first saw it is no more news than what the first
    /// cycle records: its first read, a cycle later, raises neither progress nor a quality drop, and only
    /// later crossings do.
    @Test func aProjectFirstSeenAfterTheFirstCycleRecordsItsMetricsQuietly() async throws {
        try await PollerFixture.with { fixture in
            let done = ProjectMetrics(totalTasks: 100, completedTasks: 100, acceptanceRate: 0.5)
            let first = try await fixture.simulator.createProject(name: "done-a", metrics: done)
            try await fixture.simulator.createProject(name: "done-b", metrics: done)
            // One project a page: the seed's two projects and these two take four pages.
            let poller = ProjectsPoller(context: fixture.context(), progressThresholds: [50], minAcceptanceRate: 0.8, pageSize: 1)
            await fixture.simulator.setPaginationQuirk(.emptyPages)
            let cut = try await poller.pollOnce()
            #expect(cut.baseline && cut.truncated && cut.raised == 0)
            await fixture.simulator.setPaginationQuirk(nil)
            let whole = try await poller.pollOnce()
            #expect(!whole.truncated)
            #expect(whole.raised == 0)
            #expect(try await fixture.count(.projectProgress) == 0)
            #expect(try await fixture.count(.projectQualityDropped) == 0)

            // A project that appears later, already past its thresholds, is recorded the same way.
            let late = try await fixture.simulator.createProject(name: "done-late", metrics: done)
            #expect(try await poller.pollOnce().raised == 0)

            // What changes after the bot has seen a project is news as before.
            try await fixture.simulator.updateProject(uid: first.uid, status: .completed)
            try await fixture.simulator.updateProject(
                uid: late.uid,
                metrics: ProjectMetrics(totalTasks: 100, completedTasks: 100, acceptanceRate: 0.95)
            )
            _ = try await poller.pollOnce()
            try await fixture.simulator.updateProject(uid: late.uid, metrics: done)
            _ = try await poller.pollOnce()
            #expect(try await fixture.events(.projectCompleted).compactMap(\.subject?.uid) == [first.uid])
            #expect(try await fixture.events(.projectQualityDropped).compactMap(\.subject?.uid) == [late.uid])
            #expect(try await fixture.count(.projectProgress) == 0)
        }
    }
}

extension ProjectsPollerTests {
    /// Annotation progress need not move a project's `updated_at` (the API does not say it does): an
    /// active project's metrics are read again once they are `metricsRefreshEvery` cycles old all the
    /// same, the oldest first and no more than `metricsRefreshPerCycle` a cycle. A paused one is not.
    @Test func anActiveProjectsMetricsAreReadAgainThoughItsUpdatedAtStays() async throws {
        try await PollerFixture.with { fixture in
            let started = ProjectMetrics(totalTasks: 100, completedTasks: 10, acceptanceRate: 0.95)
            let halfway = ProjectMetrics(totalTasks: 100, completedTasks: 60, acceptanceRate: 0.95)
            let project = try await fixture.simulator.createProject(name: "prod-progress", metrics: started)
            let paused = try await fixture.simulator.createProject(name: "paused", status: .paused, metrics: started)
            let poller = ProjectsPoller(context: fixture.context(), progressThresholds: [50], metricsRefreshEvery: 2, metricsRefreshPerCycle: 1)
            #expect(try await poller.pollOnce().baseline)
            try await fixture.simulator.progressProject(uid: project.uid, metrics: halfway)
            try await fixture.simulator.progressProject(uid: paused.uid, metrics: halfway)
            let early = try await poller.pollOnce()
            #expect(early.apiCalls == 1 && early.raised == 0)
            // Two active projects (the seed's and this one), one read again a cycle.
            let second = try await poller.pollOnce()
            let third = try await poller.pollOnce()
            #expect(second.apiCalls == 2 && third.apiCalls == 2)
            #expect(try await fixture.events(.projectProgress).compactMap(\.subject?.uid) == [project.uid])
        }
    }

    /// A project gone from a whole listing is forgotten, or its entry would stay for ever. A listing cut
    /// short forgets nobody, and one of several pages only once the next whole listing misses the
    /// project too; a listing of one page needs no second look.
    @Test func aProjectGoneFromWholeListingsIsForgotten() async throws {
        try await PollerFixture.with { fixture in
            let gone = try await fixture.simulator.createProject(name: "short-lived")
            @Sendable func remembered(_ uid: String) async throws -> Bool {
                try await fixture.store.snapshot("projects")?["projects"]?[uid] != nil
            }
            // One project a page: the listing takes three.
            let paged = ProjectsPoller(context: fixture.context(), pageSize: 1)
            #expect(try await paged.pollOnce().baseline)
            #expect(try await remembered(gone.uid))
            await fixture.simulator.reset()
            await fixture.simulator.setPaginationQuirk(.emptyPages)
            #expect(try await paged.pollOnce().truncated)
            #expect(try await remembered(gone.uid))
            await fixture.simulator.setPaginationQuirk(nil)
            #expect(try await !paged.pollOnce().truncated)
            #expect(try await remembered(gone.uid))
            _ = try await paged.pollOnce()
            #expect(try await !remembered(gone.uid))

            let brief = try await fixture.simulator.createProject(name: "brief")
            let whole = ProjectsPoller(context: fixture.context())
            _ = try await whole.pollOnce()
            #expect(try await remembered(brief.uid))
            await fixture.simulator.reset()
            _ = try await whole.pollOnce()
            #expect(try await !remembered(brief.uid))
            #expect(try await remembered(SimulatorSeed.UID.activeProject))
        }
    }

    /// A project listed without `status` has an unknown one, not "": no change is raised from or to
    /// it, and the status remembered before stays for the next real change.
    @Test func aProjectWithoutStatusRaisesNoChangeAndKeepsTheOneRemembered() async throws {
        let uid = "b7e4d2a0-0000-4000-8000-0000000000f1"
        let configuration = {
            var configuration = SimulatorHarness.manualExports()
            configuration.seed.projects.append(
                .init(project: Project(uid: uid, name: "no-status", updatedAt: Date(timeIntervalSince1970: 1_780_000_000)))
            )
            return configuration
        }()
        try await PollerFixture.with(configuration) { fixture in
            let poller = ProjectsPoller(context: fixture.context())
            #expect(try await poller.pollOnce().baseline)
            try await fixture.simulator.updateProject(uid: uid, status: .active)
            #expect(try await poller.pollOnce().raised == 0)
            // Back to the seed: listed without status again.
            await fixture.simulator.reset()
            #expect(try await poller.pollOnce().raised == 0)
            try await fixture.simulator.updateProject(uid: uid, status: .paused)
            #expect(try await poller.pollOnce().raised == 1)
            let changed = try #require(try await fixture.events(.projectStatusChanged).first)
            #expect(changed.data["from"]?.stringValue == "active")
            #expect(changed.data["to"]?.stringValue == "paused")
            #expect(try await fixture.count(.projectStatusChanged) == 1)
        }
    }
}
