import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import Synchronization
import TestSupport
import Testing

@testable import AvalaBot

/// Job 2, chained exports, end to end against the simulator: a COCO export completes, a YOLO export of
/// the same project starts and is followed; its completion (depth 1) fires the next rule; and a rule
/// that triggers itself stops at the chain-depth cap.
@Suite struct ExportJobTests {
    /// A rule that triggers itself: each completed `loop` export starts another of its project, up to a
    /// chain depth of 2; the exports poller polls every 100 ms when `polling`.
    static func selfTriggering(polling: Bool, follow: Bool) -> String {
        """
        \(polling ? "pollers:\n  exports: { every: 100ms }\n" : "")plugins:
          export: { max_chain_depth: 2 }
        rules:
          - name: forever
            on: export.completed
            where: { "export.format": loop }
            do:
              - export: { project: "{{export.projects.0}}", format: loop\(follow ? ", follow: true" : "") }
        """
    }

    static func exports(_ harness: SimulatorHarness) async throws -> [Export] {
        try await harness.withClient { client in try await client.exports().collect() }
    }

    @Test func aCompletedCocoExportStartsAYoloExportWhoseCompletionContinuesTheChain() async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let config = """
                pollers:
                  exports: { every: 100ms }
                rules:
                  - name: yolo-after-coco
                    on: export.completed
                    where: { "export.format": coco, "project.name": { glob: "prod-*" } }
                    do:
                      - export: { project: "{{project.uid}}", format: yolo, name: "{{project.name}}-yolo", follow: true }
                  - name: after-yolo
                    on: export.completed
                    where: { "export.format": yolo }
                    do:
                      - log: { message: "chain reached {{export.uid}} at depth {{event.chain_depth}}" }
                """
            let before = Set(try await Self.exports(harness).map(\.uid))
            try await bot.run(config) { assembly, logs in
                try await Eventually.until { try await assembly.store.snapshot("exports") != nil }
                _ = try await harness.simulator.finishExport(uid: SimulatorSeed.UID.processingExport)
                try await Eventually.until { try await Self.exports(harness).count == before.count + 1 }
                let created = try #require(try await Self.exports(harness).first { !before.contains($0.uid) })
                #expect(created.format == "yolo")
                #expect(created.projects == [SimulatorSeed.UID.activeProject])
                #expect(created.name == "prod-cars-yolo")
                // Recorded once Avala's answer is back, which may be just after the export shows in its list.
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "export").first?.isFinal == true }
                #expect(try await assembly.store.snapshot("chain:export:\(created.uid)")?.intValue == 1)
                #expect(try await assembly.store.snapshot("exports.followed")?.arrayValue?.contains(.string(created.uid)) == true)

                _ = try await harness.simulator.finishExport(uid: created.uid)
                try await Eventually.until {
                    logs.entries.contains { "\($0.message)" == "chain reached \(created.uid) at depth 1" }
                }
            }
            // Only the one export: the YOLO completion matched no export rule.
            #expect(try await Self.exports(harness).count == before.count + 1)
        }
    }

    /// `follow: true` is checked every few seconds also when the exports poller runs, and polls slowly:
    /// the chain must not wait an hour for the poller's next cycle (PRODUCT.md, Chains).
    @Test func aFollowedExportIsWatchedAlsoWhenTheExportsPollerPollsSlowly() async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let config = """
                pollers:
                  exports: { every: 1h }
                rules:
                  - name: yolo-after-coco
                    on: export.completed
                    where: { "export.format": coco }
                    do:
                      - export: { project: "{{export.projects.0}}", format: yolo, follow: true }
                  - name: after-yolo
                    on: export.completed
                    where: { "export.format": yolo }
                    do:
                      - log: { message: "followed {{export.uid}} to its end" }
                """
            let before = Set(try await Self.exports(harness).map(\.uid))
            try await bot.run(config) { assembly, logs in
                // The poller's baseline, its only cycle in this test.
                try await Eventually.until { try await assembly.store.snapshot("exports") != nil }
                _ = try await assembly.store.ingest(
                    EventNormalizer.normalize(
                        type: .exportCompleted,
                        body: ["uid": "x-1", "status": "exported", "format": "coco", "projects": [.string(SimulatorSeed.UID.activeProject)]],
                        source: "test",
                        deliveryID: "follow-1"
                    )
                )
                assembly.dispatcher.signal.wake()
                try await Eventually.until { try await Self.exports(harness).count == before.count + 1 }
                let created = try #require(try await Self.exports(harness).first { !before.contains($0.uid) })
                _ = try await harness.simulator.finishExport(uid: created.uid)
                try await Eventually.until {
                    logs.entries.contains { "\($0.message)" == "followed \(created.uid) to its end" }
                }
            }
        }
    }

    @Test func aSelfTriggeringRuleStopsAtTheChainDepthCap() async throws {
        try await SimulatorHarness.with { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let config = Self.selfTriggering(polling: true, follow: true)
            try await bot.run(config) { assembly, _ in
                try await Eventually.until { try await assembly.store.snapshot("exports") != nil }
                // A loop export created after the baseline: the poller reports its completion (depth 0).
                _ = try await harness.withClient { client in
                    try await client.createExport(.documented(name: "seed", format: "loop", projects: [SimulatorSeed.UID.activeProject]))
                }
                try await Eventually.until(timeout: .seconds(20)) {
                    try await BotRun.steps(assembly.store, plugin: "export").contains { $0.status == .skipped }
                }
                let steps = try await BotRun.steps(assembly.store, plugin: "export")
                #expect(steps.filter { $0.status == .done }.count == 2, "\(steps.map { $0.detail ?? "" })")
                #expect(steps.filter { $0.status == .skipped }.count == 1)
                #expect(steps.contains { $0.detail?.contains("chain depth 2 reached plugins.export.max_chain_depth (2)") == true })
            }
            let loops = try await Self.exports(harness).filter { $0.format == "loop" }
            #expect(loops.count == 3)
        }
    }

    @Test func aLostAnswerDoesNotCreateASecondExport() async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let config = """
                rules:
                  - name: reexport
                    on: export.completed
                    do:
                      - export: { project: "{{export.projects.0}}", format: yolo }
                """
            let before = try await Self.exports(harness).count
            // The export is created, but the answer never arrives: the action is retried.
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", method: "POST", count: 1, dropAfterHandling: true))
            try await bot.run(config) { assembly, _ in
                _ = try await assembly.store.ingest(
                    EventNormalizer.normalize(
                        type: .exportCompleted,
                        body: ["uid": "x-1", "status": "exported", "format": "coco", "projects": [.string(SimulatorSeed.UID.activeProject)]],
                        source: "test",
                        deliveryID: "lost-1"
                    )
                )
                assembly.dispatcher.signal.wake()
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "export").first?.isFinal == true }
                let step = try #require(try await BotRun.steps(assembly.store, plugin: "export").first)
                #expect(step.status == .done)
                #expect(step.detail?.contains("adopted export") == true, "\(step.detail ?? "")")
            }
            #expect(try await Self.exports(harness).count == before + 1)
        }
    }

    /// The export is created and the bot "dies" before the outcome is journaled: the restart runs the
    /// action again under its key, and it answers with that export instead of starting a second.
    @Test func aCrashBetweenTheExportAndItsJournalEntryStillLeavesOne() async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let config = """
                rules:
                  - name: reexport
                    on: export.completed
                    do:
                      - export: { project: "{{export.projects.0}}", format: yolo }
                """
            let before = try await Self.exports(harness).count
            let crashed = CrashSwitch()
            let crashing = DispatcherEnvironment(afterPerform: { _ in
                if crashed.trip() { throw SimulatedCrash() }
            })
            try await bot.run(config, dispatcherEnvironment: crashing) { assembly, _ in
                _ = try await assembly.store.ingest(
                    EventNormalizer.normalize(
                        type: .exportCompleted,
                        body: ["uid": "x-1", "status": "exported", "format": "coco", "projects": [.string(SimulatorSeed.UID.activeProject)]],
                        source: "test",
                        deliveryID: "crash-1"
                    )
                )
                assembly.dispatcher.signal.wake()
                try await Eventually.until { crashed.tripped }
                try await Eventually.until { try await Self.exports(harness).count == before + 1 }
            }
            let interrupted = try await BotRun.steps(try SQLiteEventStore(path: bot.storePath, logger: harness.logger), plugin: "export")
            #expect(interrupted.map(\.status) == [.running])

            try await bot.run(config) { assembly, _ in
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "export").allSatisfy(\.isFinal) }
            }
            #expect(try await Self.exports(harness).count == before + 1)
            let steps = try await BotRun.steps(try SQLiteEventStore(path: bot.storePath, logger: harness.logger), plugin: "export")
            #expect(steps.map(\.status) == [.done], "\(steps)")
            #expect(steps.first?.detail?.hasPrefix("started export") == true, "\(steps)")
        }
    }

    /// The API does not answer when an export's event needs its project: judged without it, the chain
    /// rule would drop the event for good and the exclusion would let it through. The event waits, and
    /// the rules run as they would have once the API answers.
    @Test func anEventWaitsForAProjectTheAPIDidNotGiveWhileRulesReadIt() async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let config = """
                rules:
                  - name: chain
                    on: export.completed
                    where: { "project.name": { glob: "prod-*" } }
                    do: [{ log: { message: "chain {{export.uid}} of {{project.name}}" } }]
                  - name: exclusion
                    on: export.completed
                    where: { not: { "project.name": { glob: "prod-*" } } }
                    do: [{ log: { message: "excluded {{export.uid}}" } }]
                """
            await harness.simulator.injectFault(Fault(pathPrefix: "/users/me/projects/", method: "GET", status: 503))
            try await bot.run(config, api: "{ requests_per_minute: 6000, max_retries: 0 }") { assembly, logs in
                _ = try await assembly.store.ingest(
                    EventNormalizer.normalize(
                        type: .exportCompleted,
                        body: ["uid": "w-1", "status": "exported", "format": "coco", "projects": [.string(SimulatorSeed.UID.activeProject)]],
                        source: "test",
                        deliveryID: "wait-1"
                    )
                )
                assembly.dispatcher.signal.wake()
                try await Eventually.until {
                    logs.entries.contains { "\($0.message)" == "Enrichment unavailable; the event waits for it, as rules read it" }
                }
                #expect(try await BotRun.steps(assembly.store).isEmpty, "nothing ran without the project")
                await harness.simulator.clearFaults()
                try await Eventually.until { try await BotRun.steps(assembly.store).first?.isFinal == true }
                let steps = try await BotRun.steps(assembly.store)
                #expect(steps.map(\.rule) == ["chain"])
                #expect(steps.first?.detail == "logged: chain w-1 of prod-cars")
            }
        }
    }

    /// Avala's flat webhook body (`export_uid`, `project_uid`) names neither the format nor the export's
    /// projects: `export.retry_failed` reads them from Avala and asks for the same export again.
    @Test func retryFailedReExportsFromAFlatWebhookBodyWithWhatAvalaKnowsOfTheExport() async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let config = """
                rules:
                  - name: again
                    on: export.failed
                    do:
                      - export.retry_failed: { backoff: 0s, follow: false }
                """
            let failed = try await harness.simulator.failExport(uid: SimulatorSeed.UID.processingExport, error: "disk full")
            let before = Set(try await Self.exports(harness).map(\.uid))
            try await bot.run(config) { assembly, _ in
                _ = try await assembly.store.ingest(
                    EventNormalizer.normalize(
                        type: .exportFailed,
                        body: ["export_uid": .string(failed.uid), "project_uid": .string(SimulatorSeed.UID.activeProject)],
                        source: "test",
                        deliveryID: "flat-1"
                    )
                )
                assembly.dispatcher.signal.wake()
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "export").first?.isFinal == true }
                let step = try #require(try await BotRun.steps(assembly.store, plugin: "export").first)
                #expect(step.status == .done, "\(step.detail ?? "")")
            }
            let created = try #require(try await Self.exports(harness).first { !before.contains($0.uid) })
            #expect(created.format == "coco")
            #expect(created.projects == [SimulatorSeed.UID.activeProject])
        }
    }

    /// Avala refuses the export, so the action is dead-lettered; by the time someone retries it, another
    /// export of the same project and format exists. The refusal proved nothing was created: the retry
    /// starts a new export instead of adopting that one.
    @Test func aDeadLetterRetryAfterARefusalDoesNotAdoptAnotherExport() async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let config = """
                rules:
                  - name: reexport
                    on: export.completed
                    do:
                      - export: { project: "{{export.projects.0}}", format: yolo }
                """
            let project = SimulatorSeed.UID.activeProject
            let before = try await Self.exports(harness).count
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", method: "POST", status: 400, count: 1))
            try await bot.run(config) { assembly, _ in
                _ = try await assembly.store.ingest(
                    EventNormalizer.normalize(
                        type: .exportCompleted,
                        body: ["uid": "x-1", "status": "exported", "format": "coco", "projects": [.string(project)]],
                        source: "test",
                        deliveryID: "refused-1"
                    )
                )
                assembly.dispatcher.signal.wake()
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "export").first?.isFinal == true }
                let dead = try #require(try await BotRun.steps(assembly.store, plugin: "export").first)
                #expect(dead.status == .dead, "\(dead.status): \(dead.detail ?? "")")

                let theirs = try await harness.withClient { client in
                    try await client.createExport(.documented(name: "someone else's", format: "yolo", projects: [project]))
                }
                #expect(try await assembly.store.retryDeadLetter(stepID: dead.stepID, now: Date()))
                assembly.dispatcher.signal.wake()
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "export").first?.status == .done }
                let step = try #require(try await BotRun.steps(assembly.store, plugin: "export").first)
                #expect(step.detail?.hasPrefix("started export") == true, "\(step.detail ?? "")")
                #expect(step.detail?.contains(theirs.uid) == false, "\(step.detail ?? "")")
            }
            #expect(try await Self.exports(harness).count == before + 2)
        }
    }

    /// The answer to the export's POST is lost, and the action waits an hour for its retry: the export
    /// exists, its uid was never recorded. Its completion, brought by the poller at depth 0, takes the
    /// depth of the intent recorded before the POST, so the self-triggering rule stops at the cap instead
    /// of starting the chain again.
    @Test func anExportWhoseAnswerWasLostKeepsItsChainDepthThroughItsIntent() async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let config = Self.selfTriggering(polling: true, follow: false)
            let project = SimulatorSeed.UID.activeProject
            let before = Set(try await Self.exports(harness).map(\.uid))
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", method: "POST", count: 1, dropAfterHandling: true))
            // The full hour, no jitter: the retry (which would adopt the export) does not come during the test.
            let noJitter = DispatcherEnvironment(random: { 1 })
            try await bot.run(config, dispatcher: "{ backoff: { base: 1h, max: 1h } }", dispatcherEnvironment: noJitter) { assembly, _ in
                try await Eventually.until { try await assembly.store.snapshot("exports") != nil }
                _ = try await assembly.store.ingest(
                    EventNormalizer.normalize(
                        type: .exportCompleted,
                        body: ["uid": "x-1", "status": "exported", "format": "loop", "projects": [.string(project)]],
                        source: "test",
                        deliveryID: "lost-1",
                        chainDepth: 1
                    )
                )
                assembly.dispatcher.signal.wake()
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "export").first?.status == .retry }
                let created = try #require(try await Self.exports(harness).first { !before.contains($0.uid) })
                #expect(try await assembly.store.recordedChainDepth(exportUID: created.uid) == nil)
                #expect(try await PendingChainIntents(store: assembly.store).all().map(\.depth) == [2])

                _ = try await harness.simulator.finishExport(uid: created.uid)
                try await Eventually.until(timeout: .seconds(20)) {
                    try await BotRun.steps(assembly.store, plugin: "export").contains { $0.status == .skipped }
                }
                let skipped = try #require(try await BotRun.steps(assembly.store, plugin: "export").first { $0.status == .skipped })
                #expect(skipped.detail?.contains("chain depth 2 reached plugins.export.max_chain_depth (2)") == true, "\(skipped.detail ?? "")")
                let completion = try #require(try await assembly.store.event(id: skipped.eventID))
                #expect(completion.event.subject?.uid == created.uid)
                #expect(try await ExportChain(store: assembly.store).intendedDepth(exportUID: created.uid) == 2)
                #expect(try await assembly.store.recordedChainDepth(exportUID: created.uid) == nil)
                // Still unknown to the waiting action: its intent stays until its retry adopts the export.
                #expect(try await PendingChainIntents(store: assembly.store).all().count == 1)
            }
            #expect(try await Self.exports(harness).count == before.count + 1)
        }
    }

    /// The bot crashed between Avala creating the export and recording its uid: only the intent is left.
    /// Avala's webhook body names no project (`{uid, status, download_url, format, created_at}`); the
    /// export's projects are read from the API before the intent is matched, and the rule stops at the cap.
    @Test func anExportCreatedJustBeforeACrashKeepsItsChainDepthFromAvalasWebhookBody() async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            let config = Self.selfTriggering(polling: false, follow: false)
            let project = SimulatorSeed.UID.activeProject
            try await bot.run(config) { assembly, _ in
                // What the action left before the crash: its intent, and an export Avala created.
                try await PendingChainIntents(store: assembly.store).record(
                    ExportChainIntent(id: "crashed/forever/0", project: project, format: "loop", depth: 2, at: Date())
                )
                let created = try await harness.withClient { client in
                    try await client.createExport(.documented(name: "crashed", format: "loop", projects: [project]))
                }
                let finished = try await harness.simulator.finishExport(uid: created.uid)
                let createdAt = try #require(finished.createdAt)
                _ = try await assembly.store.ingest(
                    EventNormalizer.normalize(
                        type: .exportCompleted,
                        body: [
                            "uid": .string(finished.uid), "status": "exported", "format": "loop",
                            "download_url": .string(finished.downloadURL ?? ""), "created_at": .string(AvalaJSON.formatTimestamp(createdAt)),
                        ],
                        source: "avala",
                        deliveryID: "d-\(finished.uid)"
                    )
                )
                assembly.dispatcher.signal.wake()
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: "export").first?.isFinal == true }
                let step = try #require(try await BotRun.steps(assembly.store, plugin: "export").first)
                #expect(step.status == .skipped, "\(step.status): \(step.detail ?? "")")
                #expect(step.detail?.contains("chain depth 2 reached plugins.export.max_chain_depth (2)") == true, "\(step.detail ?? "")")
                #expect(try await ExportChain(store: assembly.store).intendedDepth(exportUID: finished.uid) == 2)
            }
        }
    }
}
