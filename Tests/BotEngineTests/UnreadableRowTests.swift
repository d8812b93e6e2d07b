import BotKit
import Foundation
import GRDB
import InMemoryLogging
import Logging
import Testing

@testable import BotEngine

/// Every stored event must read back, or the claim that reaches it must not fail: one row that did
/// would stop the dispatcher for good, since it stays the oldest pending event.
@Suite struct UnreadableRowTests {
    /// JSON nested as deep as any input may be (512), wrapped once more by the bot, reads back.
    @Test func anEventAsDeepAsTheParserAllowsReadsBack() async throws {
        var deep: JSON = "bottom"
        for _ in 0..<JSON.maximumParseDepth { deep = .array([deep]) }
        let body = try JSON.parse(JSONText.compact(deep).utf8)  // exactly what the listener accepts
        try await StoreFile.with { file in
            let store = try await file.open()
            _ = try await store.ingest(makeStoreEvent("deep", data: ["export": body]))
            let claimed = try await store.claim(limit: 10, now: file.clock.now)
            #expect(claimed.map(\.event.id) == ["deep"])
            #expect(claimed.first?.event.data["export"] == body)
        }
    }

    /// A row that cannot be read (written by another tool, damaged on disk) is finished and named in the
    /// log; the events behind it are claimed as usual.
    @Test func aRowThatCannotBeReadDoesNotStopTheClaims() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            _ = try await store.ingest(makeStoreEvent("e-1"))
            _ = try await store.ingest(makeStoreEvent("e-2"))
            try await store.pool.write { try $0.execute(sql: "UPDATE events SET data = '{' WHERE id = 'e-1'") }
            let claimed = try await store.claim(limit: 10, now: file.clock.now)
            #expect(claimed.map(\.event.id) == ["e-2"])
            let status = try await store.pool.read { try String.fetchOne($0, sql: "SELECT status FROM events WHERE id = 'e-1'") }
            #expect(status == "done")
            #expect(try await store.claim(limit: 10, now: file.clock.now).isEmpty, "nothing left to fail on")
            let errors = file.logs.entries.filter { $0.level == .error }
            #expect(errors.map { "\($0.message)" } == ["Events that cannot be read back were finished without running their rules"])
            #expect(errors.first?.metadata["event.ids"] == "e-1")
        }
    }
}
