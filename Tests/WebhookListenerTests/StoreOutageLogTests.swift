import Foundation
import GRDB
import InMemoryLogging
import Logging
import Synchronization
import Testing
import WebhookListener

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
            let reason = outage.first?.metadata["error"].map { "\($0)" } ?? ""
            #expect(reason.contains("readonly"), "\(reason)")
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

    final class Clock: Sendable {
        let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { time.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { time.withLock { $0 += seconds } }
    }

    final class Flag: Sendable {
        let value = Mutex<String?>(nil)
    }

    /// `/readyz` writes to the store itself (at most every 10 s), so an idle bot whose store cannot write
    /// is not ready either; and it is not ready while the Avala API is unreachable.
    @Test func readyzFindsAStoreThatCannotWriteWithoutADelivery() async throws {
        let clock = Clock()
        let apiProblem = Flag()
        var configuration = ListenerHarness.plainConfiguration()
        configuration.apiProblem = { apiProblem.value.withLock { $0 } }
        let now: @Sendable () -> Date = { clock.now }
        try await ListenerHarness.with(configuration, now: now) { harness async throws in
            #expect(try await harness.get("/readyz").status == 200)
            try await harness.store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 1") }
            // The last probe is fresh: not written again yet.
            #expect(try await harness.get("/readyz").status == 200)
            clock.advance(11)
            let refused = try await harness.get("/readyz")
            #expect(refused.status == 503)
            #expect(refused.body.contains("store cannot write"))
            try await harness.store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 0") }
            #expect(try await harness.get("/readyz").status == 503, "until the next probe")
            clock.advance(11)
            #expect(try await harness.get("/readyz").status == 200)

            apiProblem.value.withLock { $0 = "api refuses the key" }
            let unreachable = try await harness.get("/readyz")
            #expect(unreachable.status == 503)
            #expect(unreachable.body == #"{"status":"api refuses the key"}"#)
            // A readiness probe that routes webhooks leaves the API out: they can still be stored.
            #expect(try await harness.get("/readyz?exclude=api").status == 200)
            let misspelt = try await harness.get("/readyz?exclude=apis")
            #expect(misspelt.status == 400, "a probe that excludes nothing it meant to must not pass silently")
            #expect(misspelt.body == #"{"status":"only api can be excluded"}"#)
            apiProblem.value.withLock { $0 = nil }
            #expect(try await harness.get("/readyz").status == 200)
            // The store's checks are never left out.
            try await harness.store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 1") }
            clock.advance(11)
            #expect(try await harness.get("/readyz?exclude=api").status == 503)
            try await harness.store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 0") }
        }
    }
}
