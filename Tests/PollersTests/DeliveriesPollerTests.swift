import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Foundation
import Pollers
import TestSupport
import Testing

/// Avala's own failed deliveries become `webhook.delivery_failed`, once per delivery and attempt count.
@Suite struct DeliveriesPollerTests {
    @Test func aFailedDeliveryIsReportedOnceAfterTheBaseline() async throws {
        try await PollerFixture.with { fixture in
            let poller = DeliveriesPoller(context: fixture.context())
            let baseline = try await poller.pollOnce()
            #expect(baseline.baseline)
            #expect(baseline.raised == 0)
            // Port 9 on loopback refuses connections: every attempt fails, then the delivery is failed.
            _ = try await fixture.client.createWebhook(targetURL: "http://127.0.0.1:9/hook", events: ["export.completed"])
            try await fixture.simulator.finishExport(uid: SimulatorSeed.UID.processingExport)
            try await Eventually.until {
                try await fixture.client.webhookDeliveries().collect().first?.status == .failed
            }
            let cycle = try await poller.pollOnce()
            #expect(cycle.raised == 1)
            #expect(try await poller.pollOnce().raised == 0)
            let events = try await fixture.events(.webhookDeliveryFailed)
            #expect(events.count == 1)
            let delivery = try #require(try await fixture.client.webhookDeliveries().collect().first)
            #expect(events.first?.keys == ["webhook.delivery_failed:\(delivery.uid):\(delivery.attempts)"])
            // Forwarded to another bot (or written as a file), the body alone gives the same key.
            let failed = try #require(events.first)
            #expect(
                EventNormalizer.botForm(type: failed.type, data: failed.data.objectValue ?? [:], source: "peer", deliveryID: nil).keys == failed.keys
            )
            #expect(events.first?.data["delivery"]?["event_type"] == "export.completed")
        }
    }
}

extension DeliveriesPollerTests {
    /// Three subscriptions to an address nobody serves, and an export whose completion each fails to
    /// deliver: a backlog from before the bot.
    static func failThreeDeliveries(_ fixture: PollerFixture) async throws {
        for _ in 0..<3 {
            _ = try await fixture.client.createWebhook(targetURL: "http://127.0.0.1:9/hook", events: ["export.completed"])
        }
        try await fixture.simulator.finishExport(uid: SimulatorSeed.UID.processingExport)
        try await Eventually.until {
            let deliveries = try await fixture.client.webhookDeliveries().collect()
            return deliveries.count == 3 && deliveries.allSatisfy { $0.status == .failed }
        }
    }

    /// Three deliveries that failed before the bot started: the first cycle records them quietly. A later
    /// listing the server cuts short (a next link to an empty page) must not make the bot forget them, or
    /// the next whole listing reports that old backlog as news.
    @Test func aListingCutShortDoesNotReleaseTheQuietBacklog() async throws {
        try await PollerFixture.with { fixture in
            try await Self.failThreeDeliveries(fixture)
            // One delivery a page, so the listing takes three pages.
            let poller = DeliveriesPoller(context: fixture.context(), pageSize: 1)
            let baseline = try await poller.pollOnce()
            #expect(baseline.baseline && baseline.raised == 0 && baseline.apiCalls == 3)

            await fixture.simulator.setPaginationQuirk(.emptyPages)
            let cut = try await poller.pollOnce()
            #expect(cut.truncated && cut.raised == 0)
            await fixture.simulator.setPaginationQuirk(nil)
            let whole = try await poller.pollOnce()
            #expect(!whole.truncated)
            #expect(whole.raised == 0)
            #expect(try await fixture.count(.webhookDeliveryFailed) == 0)
        }
    }

    /// A first cycle the server cuts short has not seen the whole backlog: what it missed is still from
    /// before the bot, so the next cycle (the first whole one) records it quietly too.
    @Test func aFirstCycleCutShortStaysQuietUntilAWholeListing() async throws {
        try await PollerFixture.with { fixture in
            try await Self.failThreeDeliveries(fixture)
            let poller = DeliveriesPoller(context: fixture.context(), pageSize: 1)
            await fixture.simulator.setPaginationQuirk(.emptyPages)
            let cut = try await poller.pollOnce()
            #expect(cut.baseline && cut.truncated && cut.raised == 0)
            await fixture.simulator.setPaginationQuirk(nil)
            let whole = try await poller.pollOnce()
            #expect(whole.baseline)
            #expect(whole.raised == 0)
            #expect(try await fixture.count(.webhookDeliveryFailed) == 0)
            // After that, a new failure is news.
            _ = try await fixture.simulator.finishExport(uid: SimulatorSeed.UID.requestedExport)
            try await Eventually.until {
                let deliveries = try await fixture.client.webhookDeliveries().collect()
                return deliveries.count == 6 && deliveries.allSatisfy { $0.status == .failed }
            }
            #expect(try await poller.pollOnce().raised == 3)
        }
    }
}

extension DeliveriesPollerTests {
    /// A failure reported before a restart is not reported again by the poller a restarted process runs
    /// on the same store: the snapshot it left says it was reported.
    @Test func aReportedFailureIsNotReportedAgainAfterARestart() async throws {
        try await PollerFixture.with { fixture in
            let poller = DeliveriesPoller(context: fixture.context())
            #expect(try await poller.pollOnce().baseline)
            _ = try await fixture.client.createWebhook(targetURL: "http://127.0.0.1:9/hook", events: ["export.completed"])
            try await fixture.simulator.finishExport(uid: SimulatorSeed.UID.processingExport)
            try await Eventually.until {
                try await fixture.client.webhookDeliveries().collect().first?.status == .failed
            }
            #expect(try await poller.pollOnce().stored == 1)

            let reopened = try await fixture.reopenedStore()
            let restarted = DeliveriesPoller(context: fixture.context(store: reopened))
            let cycle = try await restarted.pollOnce()
            #expect(!cycle.baseline && cycle.raised == 0)
            #expect(try await fixture.count(.webhookDeliveryFailed) == 1)
        }
    }
}

extension DeliveriesPollerTests {
    /// `count` datasets created one after another, each delivery failing to an address nobody serves:
    /// deliveries created at distinct times (each is listed before the next is made), all failed.
    static func failInTurn(_ fixture: PollerFixture, count: Int, from start: Int = 0) async throws {
        if start == 0 {
            _ = try await fixture.client.createWebhook(targetURL: "http://127.0.0.1:9/hook", events: ["dataset.created"])
        }
        for index in start..<(start + count) {
            _ = try await fixture.simulator.createDataset(name: "failing-\(index)")
            try await Eventually.until { try await fixture.client.webhookDeliveries().collect().count == index + 1 }
        }
        try await Eventually.until {
            try await fixture.client.webhookDeliveries().collect().allSatisfy { $0.status == .failed }
        }
    }

    /// The listing is asked for newest first rather than taken to be.
    @Test func theListingIsAskedNewestFirst() async throws {
        try await PollerFixture.with { fixture in
            _ = try await DeliveriesPoller(context: fixture.context()).pollOnce()
            let listings = await fixture.simulator.requests().filter { $0.path.hasSuffix("/webhook-deliveries/") }
            #expect(!listings.isEmpty)
            #expect(listings.allSatisfy { ($0.query ?? "").contains("ordering=-created_at") })
        }
    }

    /// A server that ignores `ordering` and lists oldest first: the page cap cuts off the newest
    /// deliveries, not the oldest, so the cut listing must not forget the failures it did not reach (the
    /// next whole listing would report that quiet backlog as news). The odd order is warned about once.
    @Test func aServerThatIgnoresTheOrderingForgetsNothingAtThePageCap() async throws {
        try await PollerFixture.with { fixture in
            try await Self.failInTurn(fixture, count: 3)
            let whole = DeliveriesPoller(context: fixture.context(), pageSize: 1)
            #expect(try await whole.pollOnce().baseline)

            await fixture.simulator.setPaginationQuirk(.oldestFirst)
            let capped = DeliveriesPoller(context: fixture.context(maxPages: 2), pageSize: 1)
            for _ in 0..<2 {
                let cycle = try await capped.pollOnce()
                #expect(cycle.truncated && cycle.raised == 0)
            }
            #expect(
                fixture.warnings("Webhook deliveries are not listed newest first although asked; every cycle reads the whole listing until they are")
                    == 1
            )
            await fixture.simulator.setPaginationQuirk(nil)
            let cycle = try await whole.pollOnce()
            #expect(!cycle.truncated && cycle.raised == 0)
            #expect(try await fixture.count(.webhookDeliveryFailed) == 0)
        }
    }

    /// Nothing changed since the last cycle: the listing is read down to the floor (the newest delivery,
    /// all of them settled), not to its end. A new failure above it is still reported, and one cycle in
    /// `wholeReadEvery` reads the whole listing.
    @Test func aQuietCycleStopsAtTheFloor() async throws {
        try await PollerFixture.with { fixture in
            try await Self.failInTurn(fixture, count: 4)
            let poller = DeliveriesPoller(context: fixture.context(), pageSize: 2, wholeReadEvery: 3, floorMargin: .zero)
            let baseline = try await poller.pollOnce()
            #expect(baseline.baseline && baseline.apiCalls == 2)
            let quiet = try await poller.pollOnce()
            #expect(quiet.apiCalls == 1 && quiet.raised == 0)

            try await Self.failInTurn(fixture, count: 1, from: 4)
            let failed = try await poller.pollOnce()
            #expect(failed.raised == 1 && failed.apiCalls == 2)
            let whole = try await poller.pollOnce()
            #expect(whole.apiCalls == 3 && whole.raised == 0)
            #expect(try await fixture.count(.webhookDeliveryFailed) == 1)
        }
    }

    /// A delivery still waiting for its retry can fail later: the floor stays at it, so every cycle reads
    /// down to it however many settled deliveries come after.
    @Test func anUnsettledDeliveryHoldsTheFloor() async throws {
        // One retry, an hour after the first attempt: the delivery waits pending for the whole test.
        let configuration = {
            var configuration = SimulatorHarness.manualExports()
            configuration.webhookRetryDelays = [.seconds(3_600)]
            return configuration
        }()
        let receiver = RecordingServer()
        try await receiver.serve { target in
            try await PollerFixture.with(configuration) { fixture in
                _ = try await fixture.client.createWebhook(targetURL: "http://127.0.0.1:9/hook", events: ["export.completed"])
                try await fixture.simulator.finishExport(uid: SimulatorSeed.UID.processingExport)
                try await Eventually.until { try await fixture.client.webhookDeliveries().collect().first?.attempts == 1 }
                _ = try await fixture.client.createWebhook(targetURL: target + "/hook", events: ["dataset.created"])
                for index in 0..<3 {
                    _ = try await fixture.simulator.createDataset(name: "delivered-\(index)")
                    try await Eventually.until { try await fixture.client.webhookDeliveries().collect().count == index + 2 }
                }
                try await Eventually.until {
                    try await fixture.client.webhookDeliveries().collect().filter { $0.status == .delivered }.count == 3
                }
                let pending = try #require(try await fixture.client.webhookDeliveries().collect().last)
                #expect(pending.status == .pending && pending.nextRetryAt != nil)

                let poller = DeliveriesPoller(context: fixture.context(), pageSize: 1, floorMargin: .zero)
                #expect(try await poller.pollOnce().apiCalls == 4)
                #expect(try await poller.pollOnce().apiCalls == 4)
            }
        }
    }
}
