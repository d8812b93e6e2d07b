import AvalaAPI
import AvalaSimulator
import Crypto
import Foundation
import TestSupport
import Testing

@Suite struct WebhookDeliveryTests {
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    @Test func anExportThatEndsIsDeliveredSignedWithTheAvalaScheme() async throws {
        let receiver = RecordingServer()
        try await receiver.serve { target in
            try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
                try await harness.withClient { client async throws in
                    let hook = try await client.createWebhook(
                        targetURL: target + "/webhooks/avala",
                        events: ["export.completed", "export.failed"],
                        secret: "whsec_delivery_secret"
                    )
                    try await harness.simulator.finishExport(uid: SimulatorSeed.UID.processingExport)
                    try await harness.simulator.failExport(uid: SimulatorSeed.UID.requestedExport, error: "disk full")
                    let deliveries = try await Self.waitForDeliveries(client, count: 2, status: .delivered)
                    #expect(Set(deliveries.map(\.eventType)) == ["export.completed", "export.failed"])
                    #expect(deliveries.allSatisfy { $0.subscription == hook.uid && $0.attempts == 1 })
                }
            }
        }
        #expect(receiver.received.count == 2)
        for request in receiver.received {
            let signature = try #require(request.header("X-Avala-Webhook-Signature"))
            let expected = Self.hex(
                HMAC<SHA256>.authenticationCode(for: request.body, using: SymmetricKey(data: Data("whsec_delivery_secret".utf8)))
            )
            #expect(signature == expected)
            #expect(request.header("X-Avala-Webhook-Delivery") != nil)
            #expect(request.path == "/webhooks/avala")
            // The body is the bare resource, as Avala sends an export.
            let export = try AvalaJSON.makeDecoder().decode(Export.self, from: Data(request.body))
            switch request.header("X-Avala-Webhook-Event") {
            case "export.completed":
                #expect(export.uid == SimulatorSeed.UID.processingExport)
                #expect(export.status == .exported)
                #expect(export.downloadURL != nil)
            case "export.failed":
                #expect(export.uid == SimulatorSeed.UID.requestedExport)
                #expect(export.error == "disk full")
            default:
                Issue.record("unexpected event header")
            }
        }
    }

    @Test func aRejectedDeliveryIsRetriedWithTheSameDeliveryID() async throws {
        let receiver = RecordingServer(statuses: [503, 500])
        try await receiver.serve { target in
            try await SimulatorHarness.with { harness in
                try await harness.withClient { client async throws in
                    _ = try await client.createWebhook(targetURL: target, events: ["dataset.created"])
                    _ = try await harness.simulator.createDataset(name: "Fresh data")
                    let deliveries = try await Self.waitForDeliveries(client, count: 1, status: .delivered)
                    #expect(deliveries[0].attempts == 3)
                    #expect(deliveries[0].responseStatus == 200)
                }
            }
        }
        let ids = Set(receiver.received.compactMap { $0.header("X-Avala-Webhook-Delivery") })
        #expect(receiver.received.count == 3)
        #expect(ids.count == 1)
    }

    @Test func aDeliveryThatNeverSucceedsEndsFailed() async throws {
        let receiver = RecordingServer(statuses: Array(repeating: 500, count: 10))
        try await receiver.serve { target in
            try await SimulatorHarness.with { harness in
                try await harness.withClient { client async throws in
                    _ = try await client.createWebhook(targetURL: target, events: ["task.completed"])
                    let task = try #require(try await client.tasks(TaskFilter(status: "pending")).collect().first)
                    try await harness.simulator.completeTask(uid: task.uid)
                    let deliveries = try await Self.waitForDeliveries(client, count: 1, status: .failed)
                    // The first attempt and one per configured retry delay.
                    #expect(deliveries[0].attempts == 4)
                    #expect(deliveries[0].responseStatus == 500)
                    #expect(deliveries[0].nextRetryAt == nil)
                }
            }
        }
        #expect(receiver.received.count == 4)
    }

    @Test func onlySubscribedAndActiveHooksReceive() async throws {
        let receiver = RecordingServer()
        try await receiver.serve { target in
            try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
                try await harness.withClient { client async throws in
                    _ = try await client.createWebhook(targetURL: target + "/datasets", events: ["dataset.created"])
                    _ = try await client.createWebhook(targetURL: target + "/inactive", events: ["export.completed"], isActive: false)
                    try await harness.simulator.finishExport(uid: SimulatorSeed.UID.processingExport)
                    _ = try await harness.simulator.createDataset(name: "Only this one")
                    _ = try await Self.waitForDeliveries(client, count: 1, status: .delivered)
                }
            }
        }
        #expect(receiver.received.map(\.path) == ["/datasets"])
    }

    /// `ordering` on `/webhook-deliveries/` as DRF reads it: a known field either way, an unknown one
    /// dropped (the default, newest first). The `oldest_first` quirk is a server that ignores it.
    @Test func deliveriesAreListedInTheOrderingAsked() async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            try await harness.withClient { client async throws in
                _ = try await client.createWebhook(targetURL: "http://127.0.0.1:9/hook", events: ["export.completed", "export.failed"])
                try await harness.simulator.finishExport(uid: SimulatorSeed.UID.processingExport)
                try await harness.simulator.failExport(uid: SimulatorSeed.UID.requestedExport, error: "disk full")
                func listed(_ ordering: String?) async throws -> [String] {
                    try await client.webhookDeliveries(ordering: ordering, pageSize: 1).collect().map(\.eventType)
                }
                let newestFirst = ["export.failed", "export.completed"]
                #expect(try await listed(nil) == newestFirst)
                #expect(try await listed("-created_at") == newestFirst)
                #expect(try await listed("created_at") == newestFirst.reversed())
                #expect(try await listed("subscription") == newestFirst)
                await harness.simulator.setPaginationQuirk(.oldestFirst)
                #expect(try await listed("-created_at") == newestFirst.reversed())
            }
        }
    }

    static func waitForDeliveries(_ client: AvalaClient, count: Int, status: DeliveryStatus) async throws -> [WebhookDelivery] {
        let deadline = ContinuousClock.now.advanced(by: .seconds(15))
        while ContinuousClock.now < deadline {
            let deliveries = try await client.webhookDeliveries().collect()
            if deliveries.count >= count, deliveries.allSatisfy({ $0.status == status }) { return deliveries }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw DeliveryTimeout()
    }

    struct DeliveryTimeout: Error {}
}
