import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Foundation
import Pollers
import TestSupport
import Testing

@Suite struct ExportsPollerTests {
    static func startExport(_ fixture: PollerFixture) async throws -> Export {
        try await fixture.client.createExport(.documented(name: "poll-me", format: "coco", projects: [SimulatorSeed.UID.activeProject]))
    }

    @Test func aFinishedExportFiresOnceWithItsBody() async throws {
        try await PollerFixture.with { fixture in
            let poller = ExportsPoller(context: fixture.context())
            let baseline = try await poller.pollOnce()
            #expect(baseline.baseline)
            #expect(baseline.raised == 0)

            let export = try await Self.startExport(fixture)
            #expect(try await poller.pollOnce().raised == 0)
            try await fixture.simulator.finishExport(uid: export.uid)

            let cycle = try await poller.pollOnce()
            #expect(cycle.stored == 1)
            #expect(cycle.apiCalls == 1)
            #expect(try await poller.pollOnce().raised == 0)
            let event = try #require(try await fixture.events(.exportCompleted).first)
            #expect(event.keys == ["export.completed:\(export.uid)"])
            #expect(event.subject == Event.Subject(kind: "export", uid: export.uid))
            #expect(event.data[path: "export.status"]?.stringValue == "completed")
            #expect(event.data[path: "export.format"]?.stringValue == "coco")
            #expect(event.data[path: "export.download_url"]?.stringValue != nil)
            #expect(event.chainDepth == 0)
        }
    }

    @Test func withoutTheListingPollerFollowedExportsAreStillWatched() async throws {
        try await PollerFixture.with { fixture in
            let poller = ExportsPoller(context: fixture.context(), followedOnly: true)
            #expect(poller.name == "exports.followed")
            #expect(await poller.shouldPoll() == false, "nothing followed: no calls at all")
            let export = try await Self.startExport(fixture)
            _ = try await fixture.store.updateSnapshot(ExportsPoller.followedKey) { _ in [.string(export.uid)] }
            _ = try await fixture.store.updateSnapshot("chain:export:\(export.uid)") { _ in 2 }
            #expect(await poller.shouldPoll())
            let running = try await poller.pollOnce()
            #expect(running.apiCalls == 1)
            #expect(running.raised == 0)

            try await fixture.simulator.finishExport(uid: export.uid)
            #expect(try await poller.pollOnce().stored == 1)
            let event = try #require(try await fixture.events(.exportCompleted).first)
            #expect(event.keys == ["export.completed:\(export.uid)"])
            #expect(event.chainDepth == 2)
            #expect(await poller.shouldPoll() == false, "terminal: the watch is over")
            #expect(try await poller.pollOnce().apiCalls == 0)
        }
    }

    /// One followed export that cannot be read (no access to it) does not hold back the others: they are
    /// read and raised as usual, and it is given up after five cycles in a row.
    @Test func anUnreadableFollowedExportDoesNotHoldBackTheOthers() async throws {
        try await PollerFixture.with(client: PollerFixture.noRetries) { fixture in
            let poller = ExportsPoller(context: fixture.context(), followedOnly: true)
            let hidden = try await Self.startExport(fixture)
            let readable = try await Self.startExport(fixture)
            _ = try await fixture.store.updateSnapshot(ExportsPoller.followedKey) { _ in [.string(hidden.uid), .string(readable.uid)] }
            await fixture.simulator.injectFault(Fault(pathPrefix: "/exports/\(hidden.uid)/", method: "GET", status: 403))
            try await fixture.simulator.finishExport(uid: readable.uid)

            #expect(try await poller.pollOnce().stored == 1)
            #expect(try await fixture.events(.exportCompleted).compactMap(\.subject?.uid) == [readable.uid])
            for _ in 2...ExportsPoller.maxFailedReads { _ = try await poller.pollOnce() }
            #expect(fixture.warnings("A followed export could not be read; it is no longer watched") == 1)
            #expect(await poller.shouldPoll() == false, "both done: the watch is over")
        }
    }

    @Test func aFailedExportFiresExportFailedWithTheError() async throws {
        try await PollerFixture.with { fixture in
            let poller = ExportsPoller(context: fixture.context())
            _ = try await poller.pollOnce()
            let export = try await Self.startExport(fixture)
            try await fixture.simulator.failExport(uid: export.uid, error: "disk full")
            #expect(try await poller.pollOnce().stored == 1)
            #expect(try await poller.pollOnce().raised == 0)
            let event = try #require(try await fixture.events(.exportFailed).first)
            #expect(event.keys == ["export.failed:\(export.uid)"])
            #expect(event.data[path: "export.error"]?.stringValue == "disk full")
        }
    }

    @Test(arguments: [true, false])
    func aWebhookAndAPollOfTheSameExportMakeOneEvent(webhookFirst: Bool) async throws {
        try await PollerFixture.with { fixture in
            let poller = ExportsPoller(context: fixture.context())
            _ = try await poller.pollOnce()
            let started = try await Self.startExport(fixture)
            let finished = try await fixture.simulator.finishExport(uid: started.uid)
            // Avala sends the bare export, status `exported`: the SDK's spelling of success.
            var body = try JSONDecoder().decode(JSON.self, from: AvalaJSON.makeEncoder().encode(finished)).objectValue ?? [:]
            body["status"] = "exported"
            let webhook = EventNormalizer.normalize(type: .exportCompleted, body: .object(body), source: "avala", deliveryID: "d-1")

            if webhookFirst {
                #expect(try await fixture.store.ingest(webhook).isNew)
                #expect(try await poller.pollOnce().stored == 0)
            } else {
                #expect(try await poller.pollOnce().stored == 1)
                #expect(try await fixture.store.ingest(webhook).isNew == false)
            }
            #expect(try await fixture.count(.exportCompleted) == 1)
        }
    }

    @Test func followedExportsAreReadAndCarryTheirChainDepth() async throws {
        try await PollerFixture.with { fixture in
            let export = try await Self.startExport(fixture)
            try await fixture.simulator.finishExport(uid: export.uid)
            // What the export plugin records when it creates an export.
            _ = try await fixture.store.ingest(
                [],
                snapshots: [ExportsPoller.followedKey: [.string(export.uid)], "chain:export:\(export.uid)": 2]
            )
            let poller = ExportsPoller(context: fixture.context())
            // Even the baseline reports an export the bot itself is waiting for.
            #expect(try await poller.pollOnce().stored == 1)
            #expect(try await poller.pollOnce().raised == 0)
            let event = try #require(try await fixture.events(.exportCompleted).first)
            #expect(event.chainDepth == 2)
        }
    }

    /// A running export the key may not read (403 on its own URL) holds back neither the listing nor
    /// the other exports; after `maxFailedReads` cycles in a row it is no longer watched.
    @Test func anExportThatCannotBeReadDoesNotHoldBackTheOthers() async throws {
        try await PollerFixture.with { fixture in
            // One export per page: the older running export is not listed past the watermark, so each
            // cycle reads it by itself.
            let poller = ExportsPoller(context: fixture.context(), pageSize: 1)
            _ = try await poller.pollOnce()
            let hidden = try await Self.startExport(fixture)
            let visible = try await Self.startExport(fixture)
            #expect(try await poller.pollOnce().raised == 0, "both are running and watched")
            await fixture.simulator.injectFault(Fault(pathPrefix: "/exports/\(hidden.uid)", method: "GET", status: 403, rate: 1))
            try await fixture.simulator.finishExport(uid: visible.uid)

            // The newest export is listed; the older one is past the watermark and read by itself.
            let cycle = try await poller.pollOnce()
            #expect(cycle.stored == 1)
            #expect(try await fixture.events(.exportCompleted).map(\.subject?.uid) == [visible.uid])
            // Each cycle tries it again (with the seed's running exports, also read one by one) …
            let tries = try await poller.pollOnce().apiCalls
            for _ in 3...ExportsPoller.maxFailedReads { #expect(try await poller.pollOnce().apiCalls == tries) }
            // … until it is given up.
            #expect(try await poller.pollOnce().apiCalls == tries - 1)
            let reads = await fixture.simulator.requests().filter { $0.path.hasSuffix("/exports/\(hidden.uid)/") }
            #expect(reads.count == ExportsPoller.maxFailedReads)
        }
    }

    /// An outage (5xx on an export's own URL, after the client's retries) fails the cycle, so the loop
    /// backs off and reports it; the export stays watched however long it lasts.
    @Test func anOutageFailsTheCycleAndGivesUpNoExport() async throws {
        try await PollerFixture.with { fixture in
            let poller = ExportsPoller(context: fixture.context(), pageSize: 1)
            _ = try await poller.pollOnce()
            let older = try await Self.startExport(fixture)
            _ = try await Self.startExport(fixture)
            _ = try await poller.pollOnce()
            await fixture.simulator.injectFault(Fault(pathPrefix: "/exports/\(older.uid)", method: "GET", status: 503, rate: 1))
            for _ in 0...ExportsPoller.maxFailedReads {
                await #expect(throws: AvalaError.self) { try await poller.pollOnce() }
            }
            await fixture.simulator.clearFaults()
            try await fixture.simulator.finishExport(uid: older.uid)
            #expect(try await poller.pollOnce().stored == 1)
            #expect(try await fixture.events(.exportCompleted).map(\.subject?.uid) == [older.uid])
        }
    }

    @Test func aBurstLargerThanThePageCapIsCaughtUpOnInLaterCycles() async throws {
        try await PollerFixture.with { fixture in
            let poller = ExportsPoller(context: fixture.context(maxPages: 2), pageSize: 2)
            _ = try await poller.pollOnce()
            var burst: [String] = []
            for _ in 0..<7 {
                let export = try await Self.startExport(fixture)
                try await fixture.simulator.finishExport(uid: export.uid)
                burst.append(export.uid)
            }
            // Two pages of two: the four newest, and a backlog of the rest.
            let cut = try await poller.pollOnce()
            #expect(cut.truncated)
            #expect(cut.stored == 4)
            let backlog = try await fixture.store.snapshot("exports")?["backlog"]
            #expect(backlog?["next"]?.stringValue != nil)

            // Each later cycle reads its own first page, then one page on in the backlog.
            #expect(try await Self.listingPages(fixture) { try await poller.pollOnce().stored } == (2, 2))
            #expect(try await Self.listingPages(fixture) { try await poller.pollOnce().stored } == (2, 1))
            let completed = try await fixture.events(.exportCompleted).compactMap(\.subject?.uid)
            #expect(completed.count == 7)
            #expect(Set(completed) == Set(burst))
            #expect(try await fixture.store.snapshot("exports")?["backlog"] == nil)

            // Caught up: one page again, and nothing raised twice.
            #expect(try await Self.listingPages(fixture) { try await poller.pollOnce().raised } == (1, 0))
        }
    }

    /// Pages of `GET /exports/` that `cycle` requested, and what it returned.
    static func listingPages(_ fixture: PollerFixture, _ cycle: () async throws -> Int) async throws -> (pages: Int, result: Int) {
        await fixture.simulator.clearRequests()
        let result = try await cycle()
        return (await fixture.simulator.requests().count { $0.path.hasSuffix("/exports/") }, result)
    }

    @Test func aListingTheServerCutsShortKeepsTheWatermarkForTheNextCycle() async throws {
        try await PollerFixture.with { fixture in
            let poller = ExportsPoller(context: fixture.context(), pageSize: 2)
            _ = try await poller.pollOnce()
            var burst: [String] = []
            for _ in 0..<5 {
                let export = try await Self.startExport(fixture)
                try await fixture.simulator.finishExport(uid: export.uid)
                burst.append(export.uid)
            }
            // The second page comes back empty with a `next`: only the first two are read.
            await fixture.simulator.setPaginationQuirk(.emptyPages)
            let cut = try await poller.pollOnce()
            #expect(cut.truncated)
            #expect(cut.stored == 2)
            await fixture.simulator.setPaginationQuirk(nil)
            #expect(try await poller.pollOnce().stored == 3)
            #expect(Set(try await fixture.events(.exportCompleted).compactMap(\.subject?.uid)) == Set(burst))
        }
    }

    @Test func aBacklogWhoseCursorIsRefusedIsDroppedWithAWarning() async throws {
        try await PollerFixture.with { fixture in
            let poller = ExportsPoller(context: fixture.context(), pageSize: 2)
            _ = try await poller.pollOnce()
            var snapshot = try #require(try await fixture.store.snapshot("exports")?.objectValue)
            snapshot["backlog"] = ["next": .string(fixture.harness.baseURL + "/exports/?cursor=not-a-cursor"), "floor": .null]
            _ = try await fixture.store.ingest([], snapshots: ["exports": .object(snapshot)])

            let export = try await Self.startExport(fixture)
            try await fixture.simulator.finishExport(uid: export.uid)
            let cycle = try await poller.pollOnce()
            #expect(cycle.stored == 1)
            #expect(fixture.warnings("The rest of a cut exports listing cannot be read on; its exports are left to webhooks") == 1)
            #expect(try await fixture.store.snapshot("exports")?["backlog"] == nil)
        }
    }

    @Test func aSteadyCycleReadsOnePage() async throws {
        try await PollerFixture.with { fixture in
            for _ in 0..<5 { _ = try await Self.startExport(fixture) }
            let poller = ExportsPoller(context: fixture.context(), pageSize: 2)
            _ = try await poller.pollOnce()
            await fixture.simulator.clearRequests()
            let steady = try await poller.pollOnce()
            #expect(await fixture.simulator.requests().count == steady.apiCalls)
            // One page of the listing, plus one read per export still running that is off that page.
            let running = try await fixture.client.exports().collect().filter { !($0.status ?? .pending).isTerminal }.count
            #expect(steady.apiCalls <= 1 + running)
            #expect(steady.raised == 0)
        }
    }
}
