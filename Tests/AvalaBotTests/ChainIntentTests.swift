import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import ExportPlugin
import Foundation
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import AvalaBot

/// Export chain intents: recorded before an export is requested, removed once its outcome is known, and
/// read by the dispatcher's enrichment to give an export whose uid was never recorded (a crash, a lost
/// answer) the chain depth its events must carry. With a real SQLite store and, where the API is
/// involved, the simulator over HTTP.
@Suite struct ChainIntentTests {
    static let project = "11111111-1111-4111-8111-111111111111"
    static let intentTime = Date(timeIntervalSince1970: 1_800_000_000)
    static let logger = Logger(label: "chain-intent-test") { _ in InMemoryLogHandler() }

    static func withStore<T>(_ body: (SQLiteEventStore) async throws -> T) async throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chain-intent-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteEventStore(path: path, logger: logger)
        try await store.migrate()
        return try await body(store)
    }

    /// An `export.completed` as the exports poller stores it (depth 0: its uid has no recorded depth).
    static func completed(
        uid: String = "e-1",
        project: String? = ChainIntentTests.project,
        format: String = "yolo",
        createdAt: Date? = ChainIntentTests.intentTime.addingTimeInterval(5)
    ) -> Event {
        var export: [String: JSON] = ["uid": .string(uid), "status": "completed", "format": .string(format), "datasets": []]
        export["projects"] = .array(project.map { [.string($0)] } ?? [])
        export["created_at"] = createdAt.map { .string(AvalaJSON.formatTimestamp($0)) }
        return Event(
            type: .exportCompleted,
            source: .poller,
            origin: "exports",
            subject: .init(kind: "export", uid: uid),
            data: ["export": .object(export)],
            keys: ["export.completed:\(uid)"]
        )
    }

    static func intent(id: String = "event-1/chain/0", depth: Int = 2, format: String? = "yolo", at: Date = intentTime) -> ExportChainIntent {
        ExportChainIntent(id: id, project: project, format: format, depth: depth, at: at)
    }

    @Test func anIntentRoundTripsThroughCodableAndTheSnapshotsJSON() throws {
        let intents = [
            Self.intent(),
            ExportChainIntent(id: "k/r/1", dataset: "d-1", depth: 1, at: Date(timeIntervalSince1970: 1_800_000_000.5)),
            ExportChainIntent(id: "k/r/2", project: "p-1", depth: 1, at: Date(timeIntervalSince1970: 1_800_000_000), trigger: "root"),
        ]
        for intent in intents {
            let decoded = try JSONDecoder().decode(ExportChainIntent.self, from: JSONEncoder().encode(intent))
            #expect(decoded == intent)
            #expect(ExportChainIntent(json: intent.json) == intent)
            // Both forms are the same document.
            #expect(try JSONDecoder().decode(JSON.self, from: JSONEncoder().encode(intent)) == intent.json)
        }
        #expect(ExportChainIntent(json: ["id": "x", "depth": 1]) == nil)
    }

    @Test func anExportWhoseUidWasNeverRecordedTakesTheDeepestCoveringIntentsDepthAndKeepsIt() async throws {
        try await Self.withStore { store in
            let intents = PendingChainIntents(store: store, now: { Self.intentTime })
            try await intents.record(Self.intent(id: "a/r/0", depth: 2))
            try await intents.record(Self.intent(id: "b/r/0", depth: 3, at: Self.intentTime.addingTimeInterval(30)))
            let enricher = ChainDepthEnricher(store: store, next: NoEnricher(), logger: Self.logger)
            let enriched = await enricher.enrich(Self.completed())
            #expect(enriched.chainDepth == 3)
            #expect(try await ExportChain(store: store).intendedDepth(exportUID: "e-1") == 3)
            #expect(try await store.recordedChainDepth(exportUID: "e-1") == nil, "a guess, kept apart from the record")
            // The kept depth is what later events get, even once the intents are gone.
            try await intents.remove(id: "a/r/0")
            try await intents.remove(id: "b/r/0")
            #expect(await enricher.enrich(Self.completed()).chainDepth == 3)
            // Also for an event that could not be placed itself: an agent-style body, no creation time.
            #expect(await enricher.enrich(Self.completed(createdAt: nil)).chainDepth == 3)
        }
    }

    /// Two intents covered the export, and the deeper one was not its own: when the plugin records the
    /// export's real depth (its answer arrived, or its retry adopted it), that depth is what later events
    /// carry, lower than the guess — a rule on them is not skipped for a depth the export never had.
    @Test func anIntentsGuessGivesWayToTheExportsOwnRecord() async throws {
        try await Self.withStore { store in
            let intents = PendingChainIntents(store: store, now: { Self.intentTime })
            try await intents.record(Self.intent(id: "mine/r/0", depth: 1))
            try await intents.record(Self.intent(id: "other/r/0", depth: 3))
            let enricher = ChainDepthEnricher(store: store, next: NoEnricher(), logger: Self.logger)
            #expect(await enricher.enrich(Self.completed()).chainDepth == 3)
            try await ExportChain(store: store).record(exportUID: "e-1", depth: 1, follow: false)
            #expect(await enricher.enrich(Self.completed()).chainDepth == 1)
            #expect(try await store.recordedChainDepth(exportUID: "e-1") == 1)
        }
    }

    /// The intent's window is [time − 60 s, time + 300 s], both ends included.
    @Test(arguments: [-60.0, 0, 300])
    func anExportCreatedInsideTheWindowIsPlaced(offset: Double) async throws {
        try await Self.withStore { store in
            try await PendingChainIntents(store: store).record(Self.intent())
            let enricher = ChainDepthEnricher(store: store, next: NoEnricher(), logger: Self.logger)
            let enriched = await enricher.enrich(Self.completed(createdAt: Self.intentTime.addingTimeInterval(offset)))
            #expect(enriched.chainDepth == 2)
        }
    }

    enum Mismatch: String, CaseIterable, Sendable {
        case otherProject, otherFormat, createdTooEarly, createdTooLate, noCreationTime, noProject
        /// The export whose event started the action: retried, that event must not take the depth of
        /// the export the action creates.
        case itsTrigger
    }

    @Test(arguments: Mismatch.allCases)
    func anExportTheIntentDoesNotCoverStaysAtDepthZero(_ mismatch: Mismatch) async throws {
        let event =
            switch mismatch {
            case .otherProject: Self.completed(project: "22222222-2222-4222-8222-222222222222")
            case .otherFormat: Self.completed(format: "coco")
            case .createdTooEarly: Self.completed(createdAt: Self.intentTime.addingTimeInterval(-61))
            case .createdTooLate: Self.completed(createdAt: Self.intentTime.addingTimeInterval(301))
            case .noCreationTime: Self.completed(createdAt: nil)
            case .noProject, .itsTrigger: Self.completed(project: mismatch == .noProject ? nil : Self.project)
            }
        try await Self.withStore { store in
            var intent = Self.intent()
            if mismatch == .itsTrigger { intent.trigger = "e-1" }
            try await PendingChainIntents(store: store).record(intent)
            let enriched = await ChainDepthEnricher(store: store, next: NoEnricher(), logger: Self.logger).enrich(event)
            #expect(enriched.chainDepth == 0)
            #expect(try await store.recordedChainDepth(exportUID: "e-1") == nil)
            #expect(try await ExportChain(store: store).intendedDepth(exportUID: "e-1") == nil)
        }
    }

    /// The depth the dispatcher's enrichment gives an event is the one the store keeps: `events list`
    /// shows, and a replay copies, what its rules saw (it once showed the depth the event arrived with).
    @Test func theDepthTheRulesSawIsTheOneStored() async throws {
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - { name: announce, on: export.completed, do: [{ log: { message: "done" } }] }
                """
        )
        defer { harness.removeFiles() }
        try await PendingChainIntents(store: harness.store).record(Self.intent(depth: 2, at: Date()))
        let arrived = Self.completed(createdAt: Date())
        guard case .new(let id) = try await harness.store.ingest(arrived) else { throw ChainTestError("not stored") }
        #expect(try await harness.store.event(id: id)?.event.chainDepth == 0)
        let enricher = ChainDepthEnricher(store: harness.store, next: NoEnricher(), logger: Self.logger)
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(enricher: enricher), logger: harness.logger) {
            try await harness.until { try await harness.store.event(id: id)?.status == .done }
        }
        #expect(try await harness.store.event(id: id)?.event.chainDepth == 2)
    }

    /// A recorded depth is the export's own: intents are only for exports the bot could not record.
    @Test func aRecordedDepthIsNotOverriddenByAnIntent() async throws {
        try await Self.withStore { store in
            try await ExportChain(store: store).record(exportUID: "e-1", depth: 1, follow: false)
            try await PendingChainIntents(store: store).record(Self.intent(depth: 3))
            let enriched = await ChainDepthEnricher(store: store, next: NoEnricher(), logger: Self.logger).enrich(Self.completed())
            #expect(enriched.chainDepth == 1)
            #expect(try await store.recordedChainDepth(exportUID: "e-1") == 1)
        }
    }

    /// The export plugin records the export's depth while the next enrichers wait on the API (its answer
    /// arrived meanwhile): the event carries that depth, read once after them, and no intent's guess is
    /// kept for the uid. It once read the record before them and again after, and carried neither.
    @Test func aDepthRecordedWhileTheNextEnrichersRunIsTheOneTheEventCarries() async throws {
        try await Self.withStore { store in
            try await PendingChainIntents(store: store).record(Self.intent(depth: 3))
            let enricher = ChainDepthEnricher(store: store, next: RecordingDuringEnrichment(store: store, depth: 1), logger: Self.logger)
            #expect(await enricher.enrich(Self.completed()).chainDepth == 1)
            #expect(try await ExportChain(store: store).intendedDepth(exportUID: "e-1") == nil)
            // An event that names its export only in its data finds the same record.
            var unnamed = Self.completed()
            unnamed.subject = nil
            #expect(await ChainDepthEnricher(store: store, next: NoEnricher(), logger: Self.logger).enrich(unnamed).chainDepth == 1)
        }
    }

    /// Stands for ``ProjectEnricher`` while the export plugin records the export's chain depth.
    struct RecordingDuringEnrichment: Enricher {
        let store: SQLiteEventStore
        let depth: Int

        func enrichment(of event: Event) async -> Enrichment {
            try? await ExportChain(store: store).record(exportUID: "e-1", depth: depth, follow: false)
            return Enrichment(event: event)
        }
    }

    @Test func pendingIntentsKeepTheNewest500AndDropThoseOlderThanADay() async throws {
        try await Self.withStore { store in
            let intents = PendingChainIntents(store: store, now: { Self.intentTime })
            for index in 0..<505 {
                try await intents.record(Self.intent(id: "k-\(index)", at: Self.intentTime.addingTimeInterval(Double(index - 505))))
            }
            let kept = try await intents.all()
            #expect(kept.count == 500)
            #expect(kept.first?.id == "k-5")
            #expect(kept.last?.id == "k-504")
            // Recording under an id already kept replaces that intent.
            try await intents.record(Self.intent(id: "k-504", depth: 3))
            #expect(try await intents.all().filter { $0.id == "k-504" }.map(\.depth) == [3])

            // 23 h later, the same intents are under a day old; 2 h after that, all but the newest are over.
            var later = intents
            later.now = { Self.intentTime.addingTimeInterval(23 * 3_600) }
            try await later.remove(id: "none")
            #expect(try await later.all().count == 500)
            later.now = { Self.intentTime.addingTimeInterval(25 * 3_600) }
            try await later.record(Self.intent(id: "new", at: Self.intentTime.addingTimeInterval(25 * 3_600)))
            #expect(try await later.all().map(\.id) == ["new"])
            try await later.remove(id: "new")
            #expect(try await store.snapshot(PendingChainIntents.key) == nil)
        }
    }

    /// The export plugin through the real adapter against the simulator: the intent is removed once the
    /// created export's uid is recorded.
    @Test func theIntentIsRemovedOnceTheCreatedExportIsRecorded() async throws {
        try await Self.withPlugin { plugin, context, store, _ in
            let outcome = try await plugin.perform(Self.request, context: context)
            #expect(outcome.name == "done", "\(outcome)")
            #expect(try await PendingChainIntents(store: store).all().isEmpty)
            let uid = try #require(outcome.detail.split(separator: " ").dropFirst(2).first.map(String.init))
            #expect(try await store.recordedChainDepth(exportUID: uid) == 2)
        }
    }

    /// A lost answer leaves the outcome unknown: the intent stays, for the export's events, until the
    /// retry adopts the export and records it.
    @Test func aLostAnswerKeepsTheIntentAndTheAdoptionRemovesIt() async throws {
        try await Self.withPlugin { plugin, context, store, harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", method: "POST", count: 1, dropAfterHandling: true))
            let lost = await #expect(throws: ActionError.self) { try await plugin.perform(Self.request, context: context) }
            #expect(lost?.isPermanent == false)
            let pending = try await PendingChainIntents(store: store).all()
            #expect(pending.map(\.id) == [context.idempotencyKey])
            #expect(pending.first?.depth == 2)
            #expect(pending.first?.project == SimulatorSeed.UID.activeProject)
            #expect(pending.first?.format == "yolo")

            var retry = context
            retry.attempt = 1
            let adopted = try await plugin.perform(Self.request, context: retry)
            #expect(adopted.detail.hasPrefix("adopted export"), "\(adopted)")
            #expect(try await PendingChainIntents(store: store).all().isEmpty)
        }
    }

    /// A 5xx that outlasts the client's own retries is as unknown an outcome as a lost answer.
    @Test func aServerErrorKeepsTheIntent() async throws {
        try await Self.withPlugin { plugin, context, store, harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", method: "POST", status: 503, count: 50))
            let failed = await #expect(throws: ActionError.self) { try await plugin.perform(Self.request, context: context) }
            #expect(failed?.isPermanent == false)
            let pending = try await PendingChainIntents(store: store).all()
            #expect(pending.map(\.id) == [context.idempotencyKey])
        }
    }

    /// Avala refused the request: nothing was created, so no export's events need the intent.
    @Test func aRefusalRemovesTheIntent() async throws {
        try await Self.withPlugin { plugin, context, store, harness in
            // Another action's intent is left alone.
            try await PendingChainIntents(store: store).record(Self.intent(id: "other/r/0"))
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", method: "POST", status: 400, count: 1))
            let refused = await #expect(throws: ActionError.self) { try await plugin.perform(Self.request, context: context) }
            #expect(refused?.isPermanent == true)
            #expect(try await PendingChainIntents(store: store).all().map(\.id) == ["other/r/0"])
        }
    }

    static let request = ActionRequest(
        action: "create",
        parameters: ["project": .string(SimulatorSeed.UID.activeProject), "format": "yolo"],
        event: Event(type: .exportCompleted, source: .webhook, chainDepth: 1),
        rule: "chain"
    )

    /// The export plugin, a context whose Avala actions are the real adapter over a client of a running
    /// simulator (exports finish only when told), and the SQLite store behind it.
    static func withPlugin(
        _ body: @Sendable (ExportPlugin, PluginContext, SQLiteEventStore, SimulatorHarness) async throws -> Void
    ) async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            try await withStore { store in
                try await harness.withClient { client in
                    let context = PluginContext(
                        logger: harness.logger,
                        config: PluginConfig(),
                        dryRun: false,
                        idempotencyKey: "event-1/chain/0",
                        avala: ScopedAvalaActions(client: client, store: store, scopes: ExportPlugin.avalaScopes, dryRun: false),
                        state: MemoryPluginState()
                    )
                    try await body(try ExportPlugin(config: PluginConfig()), context, store, harness)
                }
            }
        }
    }
}

struct ChainTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
