import AsyncHTTPClient
import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import Logging
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import WebhookListener

/// The simulator's signed delivery → listener → SQLite store, over real HTTP.
@Suite struct EndToEndTests {
    @Test func theSimulatorsSignedExportDeliveryBecomesAStoredEvent() async throws {
        let configuration = ListenerHarness.plainConfiguration(secrets: ["whsec_e2e_secret"])
        try await ListenerHarness.with(configuration) { listener in
            try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
                try await harness.withClient { client async throws in
                    _ = try await client.createWebhook(
                        targetURL: listener.baseURL + "/webhooks/avala",
                        events: ["export.completed"],
                        secret: "whsec_e2e_secret"
                    )
                    try await harness.simulator.finishExport(uid: SimulatorSeed.UID.processingExport)
                    // 202 comes only after the write, so the event shows up as soon as the delivery lands;
                    // poll the store for it under a deadline.
                    let deadline = ContinuousClock.now + .seconds(10)
                    while try await listener.events().isEmpty, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
            }
            let events = try await listener.events()
            let event = try #require(events.first?.event)
            #expect(events.count == 1)
            #expect(event.type == .exportCompleted)
            #expect(event.source == .webhook)
            #expect(event.subject == Event.Subject(kind: "export", uid: SimulatorSeed.UID.processingExport))
            #expect(event.data["export"]?["status"] == "completed")
            #expect(event.keys.contains("export.completed:\(SimulatorSeed.UID.processingExport)"))
            #expect(event.keys.contains { $0.hasPrefix("delivery:avala:") })
        }
    }
}
