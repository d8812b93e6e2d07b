import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Foundation
import Logging
import TestSupport
import Testing

@testable import AvalaBot

/// Enrichment before rules run: an export event gets its project, also when it came as Avala's webhook
/// body, which names no project.
@Suite struct ProjectEnricherTests {
    /// Avala's documented export webhook body: `{uid, status, download_url, format, created_at}`.
    static func webhookEvent(exportUID: String) -> Event {
        EventNormalizer.normalize(
            type: .exportCompleted,
            body: [
                "uid": .string(exportUID), "status": "exported", "format": "coco",
                "download_url": "https://downloads.example/x.zip", "created_at": "2026-11-30T10:00:00Z",
            ],
            source: "avala",
            deliveryID: "d-\(exportUID)"
        )
    }

    @Test func anExportFromAvalasWebhookBodyIsReadForItsProject() async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            try await harness.withClient { client in
                let export = try await client.createExport(.sdkProject(SimulatorSeed.UID.activeProject))
                let enricher = ProjectEnricher(client: client, logger: harness.logger)
                let enriched = await enricher.enrich(Self.webhookEvent(exportUID: export.uid))
                #expect(enriched.data[path: "export.projects"] == [.string(SimulatorSeed.UID.activeProject)])
                #expect(enriched.data[path: "export.datasets"] == [])
                #expect(enriched.data[path: "project.uid"]?.stringValue == SimulatorSeed.UID.activeProject)
                #expect(enriched.data[path: "project.name"]?.stringValue == "prod-cars")

                // A second pass (a retried action) reads neither the export nor the project again.
                await harness.simulator.clearRequests()
                #expect(await enricher.enrich(Self.webhookEvent(exportUID: export.uid)).data == enriched.data)
                #expect(await harness.simulator.requests().isEmpty)
            }
        }
    }

    /// The flat body agents send (`export_uid`, `project_uid`) names the project's uid alone and no
    /// format: rules on `project.name` and `export.format` see them as they would from Avala's own body.
    @Test func aFlatBodyGetsItsProjectsNameAndTheExportsFormat() async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            try await harness.withClient { client in
                let export = try await client.createExport(.documented(name: "flat", format: "coco", projects: [SimulatorSeed.UID.activeProject]))
                let event = EventNormalizer.normalize(
                    type: .exportCompleted,
                    body: ["export_uid": .string(export.uid), "project_uid": .string(SimulatorSeed.UID.activeProject)],
                    source: "agent",
                    deliveryID: nil
                )
                #expect(event.data[path: "project"] == ["uid": .string(SimulatorSeed.UID.activeProject)])
                let enriched = await ProjectEnricher(client: client, logger: harness.logger).enrich(event)
                #expect(enriched.data[path: "export.format"]?.stringValue == "coco")
                #expect(enriched.data[path: "export.projects"] == [.string(SimulatorSeed.UID.activeProject)])
                #expect(enriched.data[path: "project.name"]?.stringValue == "prod-cars")
            }
        }
    }

    /// When the API does not answer, what could not be read is named, so that rules reading it wait; an
    /// export the API does not know is not waited for.
    @Test func whatTheAPIDidNotAnswerIsNamedAsUnavailable() async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            try await harness.withClient({ $0.maxRetries = 0 }) { client in
                let export = try await client.createExport(.sdkProject(SimulatorSeed.UID.activeProject))
                let other = try await client.createExport(.sdkProject(SimulatorSeed.UID.activeProject))
                let enricher = ProjectEnricher(client: client, logger: harness.logger)
                await harness.simulator.injectFault(Fault(pathPrefix: "/users/me/projects/", status: 503))
                let noProject = await enricher.enrichment(of: Self.webhookEvent(exportUID: export.uid))
                #expect(noProject.unavailable == ["project"])
                #expect(noProject.event.data[path: "export.projects"] == [.string(SimulatorSeed.UID.activeProject)])
                await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", method: "GET", status: 503))
                let noExport = await enricher.enrichment(of: Self.webhookEvent(exportUID: other.uid))
                #expect(noExport.unavailable == ["export.projects", "export.datasets", "project"])
                await harness.simulator.clearFaults()
                let unknown = await enricher.enrichment(of: Self.webhookEvent(exportUID: "00000000-0000-4000-8000-00000000dead"))
                #expect(unknown.unavailable == [])
            }
        }
    }

    /// An export that cannot be read leaves the event as it came: rules then see no project.
    @Test func anUnknownExportLeavesTheEventAsItCame() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client in
                let event = Self.webhookEvent(exportUID: "00000000-0000-4000-8000-00000000dead")
                let enriched = await ProjectEnricher(client: client, logger: harness.logger).enrich(event)
                #expect(enriched == event)
            }
        }
    }
}
