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
