import BotKit
import Foundation
import GRDB
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import AvalaBot
@testable import BotEngine

/// A store that refuses writes while an event is being handled must not leave that event running for the
/// rest of the process's life, holding back every later event of its subject.
@Suite struct StoreFailureRecoveryTests {
    @Test func anEventWhoseOutcomeCannotBeWrittenRunsAgainOnceTheStoreWrites() async throws {
        let id = "outage-\(UUID().uuidString)"
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: record
                    on: export.completed
                    do:
                      - record: { id: "\(id)-{{export.n}}" }
                """
        )
        defer { harness.removeFiles() }
        let store = harness.store
        // A subject of its own: RecordingPlugin counts calls in flight per subject across all tests, and
        // EngineTests checks that `export:same` never has two at once.
        let first = try await store.ingest(
            EngineTests.event(uid: "outage", keys: ["delivery:avala:1"], data: ["export": ["uid": "outage", "n": "1"]])
        )
        let second = try await store.ingest(
            EngineTests.event(uid: "outage", keys: ["delivery:avala:2"], data: ["export": ["uid": "outage", "n": "2"]])
        )
        let outage = CrashSwitch()
        // The plugin has acted; then the store's one writer refuses every write (a real SQLite failure),
        // so the outcome cannot be journaled.
        let dispatcher = harness.dispatcher(
            environment: DispatcherEnvironment(
                random: { 0 },
                afterPerform: { _ in
                    if outage.trip() { try store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 1") } }
                }
            )
        )
        try await ServiceGroupRunner.whileRunning(dispatcher, logger: harness.logger) {
            try await harness.until {
                harness.logs.entries.contains { "\($0.message)".hasPrefix("Event processing failed in the store") }
            }
            // The outage lasts a while: the claims fail too.
            try await harness.until { harness.logs.entries.count { $0.message == "Claim failed again" } >= 3 }
            #expect(try await store.event(id: EngineTests.id(first))?.status == .running)
            try await store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 0") }
            try await harness.until {
                let statuses = [try await store.event(id: EngineTests.id(first))?.status, try await store.event(id: EngineTests.id(second))?.status]
                return statuses == [.done, .done]
            }
        }
        // The interrupted step was resumed (and saw it had acted already); the next event of the subject ran.
        #expect(RecordingPlugin.calls("\(id)-1").count == 1)
        #expect(RecordingPlugin.calls("\(id)-2").count == 1)
        #expect(try await store.steps(eventID: EngineTests.id(first)).map(\.status) == [.skipped])
        #expect(try await store.steps(eventID: EngineTests.id(second)).map(\.status) == [.done])
        #expect(harness.logs.entries.contains { $0.message == "Event handed back after a store failure; it runs again" })
    }
}
