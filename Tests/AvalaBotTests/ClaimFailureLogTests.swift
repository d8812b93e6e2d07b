import BotKit
import Foundation
import GRDB
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import AvalaBot
@testable import BotEngine

/// While the store cannot write, every claim fails (once per idle poll); the log gets one error, not one
/// line per attempt, and one line when claiming works again.
@Suite struct ClaimFailureLogTests {
    @Test func aStoreThatCannotWriteIsLoggedOnceAndItsRecoveryToo() async throws {
        let harness = try await EngineHarness(rules: "rules: []\n")
        defer { harness.removeFiles() }
        let store = harness.store
        _ = try await store.ingest(Event(type: "bench.ping", source: .webhook, data: [:], keys: ["k-before"]))
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until { try await store.queueDepth() == 0 }
            // A real SQLite failure on the store's one writer connection: every write is refused.
            try await store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 1") }
            // The idle poll is 20 ms: ten failed claims take about 200 ms.
            try await harness.until { harness.logs.entries.count { $0.message == "Claim failed again" } >= 10 }
            try await store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 0") }
            _ = try await store.ingest(Event(type: "bench.ping", source: .webhook, data: [:], keys: ["k-after"]))
            try await harness.until { try await store.queueDepth() == 0 }
        }
        let errors = harness.logs.entries.filter { $0.level >= .error }
        #expect(errors.map { "\($0.message)" } == ["Cannot claim events from the store"], "\(harness.renderedLogs)")
        let reason = errors.first?.metadata["error"].map { "\($0)" } ?? ""
        #expect(reason.contains("readonly"), "\(reason)")
        let recovered = harness.logs.entries.filter { $0.message == "Claiming events from the store again" }
        #expect(recovered.count == 1)
        #expect(recovered.first?.level == .notice)
        let failures = Int("\(recovered.first?.metadata["claim.failures"] ?? "")") ?? 0
        #expect(failures >= 11, "\(harness.renderedLogs)")
    }
}
