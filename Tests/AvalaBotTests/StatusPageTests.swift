import AsyncHTTPClient
import BotEngine
import BotKit
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import WebhookListener

@testable import AvalaBot

/// The `/status` page rendered from a real store the engine filled: what it shows, and that event data
/// is escaped rather than rendered as markup.
@Suite struct StatusPageTests {
    @Test func thePageShowsEventsActionsDeadLettersAndPollers() async throws {
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - name: note
                    on: export.completed
                    do:
                      - log: { message: "export {{export.name}}" }
                  - name: doomed
                    on: export.failed
                    do:
                      - record: { id: "status-\(UUID().uuidString)", mode: permanent }
                """
        )
        defer { harness.removeFiles() }
        let completed = try await harness.store.ingest(
            Event(
                type: .exportCompleted,
                source: .webhook,
                origin: "avala",
                subject: .init(kind: "export", uid: "e-1"),
                data: ["export": ["uid": "e-1", "name": "<script>alert(1)</script>"]],
                keys: ["export.completed:e-1"],
                chainDepth: 2
            )
        )
        for uid in ["e-2", "e-3"] {
            _ = try await harness.store.ingest(
                Event(
                    type: .exportFailed,
                    source: .poller,
                    origin: "exports",
                    subject: .init(kind: "export", uid: uid),
                    keys: ["export.failed:\(uid)"]
                )
            )
        }
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until { try await harness.store.deadLetters(limit: 5).count == 2 }
            try await harness.until { try await harness.store.queueDepth() == 0 }
        }
        _ = try await harness.store.updateSnapshot("poller.health:members:acme-ai") { _ in ["failing_since": "2026-11-30T10:00:00.000Z"] }
        _ = try await harness.store.updateSnapshot("poller.health:projects") { _ in ["failures": 2, "last_error": "HTTP 503"] }
        let page = StatusPage(
            store: harness.store,
            pollers: ["exports", "members:acme-ai", "projects"],
            started: Date(timeIntervalSince1970: 0)
        )
        let html = await page.render(now: Date(timeIntervalSince1970: 3_725))

        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("up 1h2m"))
        // The id is there to copy into `avala-bot events show`.
        let id = EngineTests.id(completed)
        #expect(
            html.contains(
                "<td>export.completed</td><td>export e-1</td><td>webhook avala</td><td>2</td><td>1</td><td class=\"done\">done</td><td><code>\(id)</code></td>"
            )
        )
        #expect(html.contains("<td>note</td><td>log.write</td><td class=\"done\">done</td>"))
        #expect(html.contains("logged: export &lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<script>"))
        #expect(html.contains("<td>doomed</td><td>record.call</td><td>1</td><td class=\"detail\">cannot ever work</td>"))
        // A step's attempts are its failed runs (an action done on its first try has none): said so.
        #expect(html.contains("<th>action</th><th>failed runs</th><th>reason</th>"), "\(html)")
        #expect(html.contains("<b class=\"dead\">2</b>dead letters"))
        #expect(!html.contains("of 2; avala-bot dead-letters list"), "both are shown")
        #expect(html.contains("<tr><td>exports</td><td class=\"done\">ok</td></tr>"))
        #expect(html.contains("<tr><td>members:acme-ai</td><td class=\"failing\">failing since 2026-11-30T10:00:00Z</td></tr>"))
        #expect(html.contains("<tr><td>projects</td><td class=\"retry\">retrying after 2 failed cycles in a row: HTTP 503</td></tr>"))
        #expect(html.contains("<b class=\"dead\">1</b>pollers failing"), "a poller that is retrying is not counted as failing")

        // A table with room for one still counts both, and says where the rest are.
        var short = page
        short.limit = 1
        let cut = await short.render(now: Date(timeIntervalSince1970: 3_725))
        #expect(cut.contains("<b class=\"dead\">2</b>dead letters"))
        #expect(cut.components(separatedBy: "<td>doomed</td><td>record.call</td><td>1</td>").count == 2, "one dead letter row")
        #expect(cut.contains("the newest 1 of 2; avala-bot dead-letters list --limit 2 shows them all"))
    }

    /// Under a backlog the newest events have not run yet: the actions taken on older ones are still
    /// shown (the table was filled from the events shown, and stayed empty).
    @Test func recentActionsStayInSightUnderABacklog() async throws {
        let harness = try await EngineHarness(
            rules: """
                rules:
                  - { name: note, on: export.completed, do: [{ log: { message: "export {{export.uid}}" } }] }
                """
        )
        defer { harness.removeFiles() }
        _ = try await harness.store.ingest(
            Event(type: .exportCompleted, source: .webhook, subject: .init(kind: "export", uid: "e-ran"), data: ["export": ["uid": "e-ran"]])
        )
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until { try await harness.store.queueDepth() == 0 }
        }
        // With no dispatcher running, these wait.
        for index in 0..<5 {
            _ = try await harness.store.ingest(
                Event(
                    type: .exportCompleted,
                    source: .webhook,
                    subject: .init(kind: "export", uid: "e-wait-\(index)"),
                    data: ["export": ["uid": .string("e-wait-\(index)")]]
                )
            )
        }
        var page = StatusPage(store: harness.store, pollers: [], started: Date())
        page.limit = 3
        let html = await page.render()
        #expect(html.components(separatedBy: "<td class=\"pending\">pending</td>").count == 4, "three waiting events fill the events table")
        #expect(html.contains("<td>export.completed</td><td>note</td><td>log.write</td><td class=\"done\">done</td>"), "\(html)")
        #expect(html.contains("logged: export e-ran"))
        #expect(!html.contains("no actions yet"))
    }

    @Test func theStatusPageCanBeTurnedOff() async throws {
        try await SimulatorHarness.with { harness in
            for enabled in [true, false] {
                let bot = BotRun(harness: harness)
                defer { bot.removeFiles() }
                let config = """
                    listener: { bind: "127.0.0.1:0", plain_http: true, verify: { scheme: none }, allow_cidrs: [127.0.0.0/8], status_page: \(enabled) }
                    rules: []
                    """
                try await bot.run(config) { assembly, _ in
                    let port = try #require(try await assembly.listener?.waitUntilListening())
                    let response = try await HTTPClient.shared.execute(
                        HTTPClientRequest(url: "http://127.0.0.1:\(port)/status"),
                        timeout: .seconds(30)
                    )
                    #expect(response.status.code == (enabled ? 200 : 404))
                }
            }
        }
    }
}
