import Foundation
import GRDB
import InMemoryLogging
import Logging
import Testing

@testable import BotEngine

/// While the store cannot write, every delivery is answered 503; the log gets one error for the outage,
/// not one per delivery, and one line when deliveries are stored again.
@Suite struct StoreOutageLogTests {
    @Test func anOutageIsOneErrorAndItsEndOneNotice() async throws {
        try await ListenerHarness.with { harness async throws in
            // A real SQLite failure on the store's one writer connection: every write is refused.
            try await harness.store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 1") }
            for n in 0..<5 {
                let body = Array(#"{"uid": "e-\#(n)", "status": "exported"}"#.utf8)
                let answer = try await harness.post(body: body, headers: ListenerHarness.avalaHeaders(body, delivery: "d-\(n)"))
                #expect(answer.status == 503)
            }
            let outage = harness.logs.entries.filter { $0.message == "Webhook not stored: the store cannot write" }
            #expect(outage.map(\.level) == [.error, .debug, .debug, .debug, .debug])
            #expect("\(outage.first?.metadata["error"] ?? "")".contains("readonly"))
            #expect(try await harness.get("/readyz").status == 503)

            try await harness.store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 0") }
            let body = Array(#"{"uid": "e-9", "status": "exported"}"#.utf8)
            let answer = try await harness.post(body: body, headers: ListenerHarness.avalaHeaders(body, delivery: "d-9"))
            #expect(answer.status == 202)
            let recovered = harness.logs.entries.filter { $0.message == "Webhooks are stored again" }
            #expect(recovered.map(\.level) == [.notice])
            #expect(recovered.first?.metadata["store.failures"] == "5")
            #expect(try await harness.get("/readyz").status == 200)
            #expect(harness.logs.entries.count { $0.level >= .error } == 1)
        }
    }
}
