import AsyncHTTPClient
import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import Logging
import NIOCore
import ServiceLifecycle
import TestSupport
import Testing
import WebhookListener

@testable import AvalaBot

/// The whole bot from a config file against the simulator: a signed webhook and a poll each become an
/// event, the dispatcher runs the rule, the `log` plugin writes.
@Suite struct EndToEndTests {
    /// swift-metrics is bootstrapped once per process; this suite owns it in the test process.
    static let metrics: MetricsExport = {
        let export = MetricsExport()
        export.bootstrap()
        return export
    }()

    /// The value of one series in a Prometheus scrape.
    static func value(_ series: String, in scrape: String) -> Double? {
        scrape.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    static func get(_ url: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }

    @Test func aSignedDeliveryAndAPolledJoinBothReachTheLogPlugin() async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            let storePath = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString).sqlite").path
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: storePath + suffix) } }
            let environment = [
                "AVALA_API_KEY": harness.apiKey, "AVALA_BASE_URL": harness.baseURL, "AVALA_ALLOW_INSECURE_BASE_URL": "1",
                "HOOK_SECRET": "whsec_end_to_end_secret",
            ]
            let yaml = """
                listener:
                  bind: "127.0.0.1:0"
                  plain_http: true
                  path: /webhooks/avala
                  verify: { scheme: avala, secrets: ["${HOOK_SECRET}"] }
                pollers:
                  members: { organization: acme-ai, every: 100ms }
                store: { sqlite: "\(storePath)" }
                dispatcher: { backoff: { base: 10ms, max: 100ms } }
                api: { requests_per_minute: 6000 }
                rules:
                  - name: log-exports
                    on: export.completed
                    do:
                      - log: { message: "export {{export.uid}} of {{project.name}} is {{export.status}}" }
                  - name: log-joins
                    on: member.joined
                    where: { "member.email": { glob: "*@acme.ai" } }
                    do:
                      - log: { message: "{{member.email}} joined {{organization}}" }
                """
            let loaded = ConfigLoader(environment: environment).load(yaml: yaml, file: "e2e.yaml")
            #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
            var handler = InMemoryLogHandler()
            handler.logLevel = .info
            let logs = handler
            let logger = Logger(label: "e2e") { _ in handler }
            let assembly = try await BotAssembly.build(loaded, environment: environment, metrics: Self.metrics, logger: logger)
            let group = ServiceGroup(configuration: .init(services: assembly.services, logger: logger))
            try await group.whileRunning {
                let port = try #require(try await assembly.listener?.waitUntilListening())
                try await harness.withClient { client in
                    _ = try await client.createWebhook(
                        targetURL: "http://127.0.0.1:\(port)/webhooks/avala",
                        events: ["export.completed"],
                        secret: "whsec_end_to_end_secret"
                    )
                }
                // The members poller's first cycle records a baseline (its snapshot); joins after it count.
                try await Eventually.until { try await assembly.store.snapshot("members:acme-ai") != nil }
                try await harness.simulator.finishExport(uid: SimulatorSeed.UID.processingExport)
                try await harness.simulator.addMember(organization: "acme-ai", email: "zoe@acme.ai")
                try await Eventually.until {
                    let text = logs.entries.map { "\($0.message)" }
                    return text.contains("export \(SimulatorSeed.UID.processingExport) of prod-cars is completed")
                        && text.contains("zoe@acme.ai joined acme-ai")
                }
                let status = try await Self.get("http://127.0.0.1:\(port)/status")
                #expect(status.contains("<title>avala-bot status</title>"))
                #expect(status.contains("<td>log-joins</td><td>log.write</td><td class=\"done\">done</td>"))
                #expect(!status.contains(harness.apiKey), "the status page never shows the key")
                #expect(!status.contains("whsec_end_to_end_secret"))
                // The same delivery again, as a sender's retry would bring it: a duplicate, counted as one.
                let delivered = try #require(try await assembly.store.recentEvents(limit: 20, since: nil).first { $0.event.source == .webhook })
                #expect(try await assembly.store.ingest(delivered.event).isNew == false)
                let scrape = try await Self.get("http://127.0.0.1:\(port)/metrics")
                #expect(scrape.contains("avala_bot_queue_depth"))
                // Every metric says what it measures: each `# TYPE` line follows its own `# HELP` line.
                let lines = scrape.split(separator: "\n")
                for (index, line) in lines.enumerated() where line.hasPrefix("# TYPE ") {
                    let name = line.split(separator: " ")[2]
                    #expect(index > 0 && lines[index - 1].hasPrefix("# HELP \(name) "), "no # HELP for \(name)")
                }
                // Other suites in this process record into the same registry, so counts are at least this
                // test's; and counters made ahead (per listener path, per store) show 0 before anything
                // happened, so presence alone would prove nothing.
                for series in [
                    #"avala_bot_webhook_ingest_seconds_count{source="avala"}"#,
                    #"avala_bot_webhook_deliveries_total{source="avala",outcome="accepted"}"#,
                    #"avala_bot_actions_total{plugin="log",outcome="done"}"#,
                    #"avala_bot_poller_cycles_total{poller="members:acme-ai",result="ok"}"#,
                    #"avala_bot_poller_api_calls_total{poller="members:acme-ai"}"#,
                    #"avala_bot_events_total{source="webhook",outcome="new"}"#,
                    #"avala_bot_events_total{source="poller",outcome="new"}"#,
                    #"avala_bot_events_total{source="webhook",outcome="duplicate"}"#,
                ] {
                    #expect(Self.value(series, in: scrape) ?? 0 >= 1, "\(series) in:\n\(scrape)")
                }
            }
            await assembly.shutdown()
            let events = try await assembly.store.recentEvents(limit: 20, since: nil)
            let export = try #require(events.first { $0.event.type == .exportCompleted })
            #expect(export.event.keys.contains("export.completed:\(SimulatorSeed.UID.processingExport)"))
            #expect(export.event.keys.contains { $0.hasPrefix("delivery:avala:") })
            #expect(events.filter { $0.event.type == .memberJoined }.count == 1)
            #expect(events.allSatisfy { $0.status == .done })
        }
    }

    /// A poller failing now shows on `/metrics` as its failures in a row, and as 0 again once a cycle
    /// works: the cycle counters show only rates. acme-labelers: no other suite polls it, and the
    /// registry is the process's.
    @Test func aFailingPollerShowsItsFailuresInARowOnMetricsUntilItRecovers() async throws {
        try await SimulatorHarness.with(SimulatorHarness.manualExports()) { harness in
            let storePath = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString).sqlite").path
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: storePath + suffix) } }
            let environment = [
                "AVALA_API_KEY": harness.apiKey, "AVALA_BASE_URL": harness.baseURL, "AVALA_ALLOW_INSECURE_BASE_URL": "1",
            ]
            let yaml = """
                listener:
                  bind: "127.0.0.1:0"
                  plain_http: true
                  path: /webhooks/avala
                  verify: { scheme: avala, secrets: ["whsec_end_to_end_secret"] }
                pollers:
                  members: { organization: acme-labelers, every: 100ms }
                store: { sqlite: "\(storePath)" }
                api: { requests_per_minute: 6000, max_retries: 0 }
                """
            let loaded = ConfigLoader(environment: environment).load(yaml: yaml, file: "e2e.yaml")
            #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
            let logger = Logger(label: "e2e") { _ in SwiftLogNoOpLogHandler() }
            // Three failed cycles, then the API answers again.
            await harness.simulator.injectFault(Fault(pathPrefix: "/organizations/acme-labelers/members", status: 503, count: 3))
            let assembly = try await BotAssembly.build(loaded, environment: environment, metrics: Self.metrics, logger: logger)
            let group = ServiceGroup(configuration: .init(services: assembly.services, logger: logger))
            // Shut down on a failure too: an assembly dropped while running traps in its HTTP client.
            do {
                try await group.whileRunning {
                    let port = try #require(try await assembly.listener?.waitUntilListening())
                    let series = #"avala_bot_poller_consecutive_failures{poller="members:acme-labelers"}"#
                    var seen: [Double] = []
                    try await Eventually.until {
                        let value = Self.value(series, in: try await Self.get("http://127.0.0.1:\(port)/metrics"))
                        if let value, seen.last != value { seen.append(value) }
                        return value == 0 && seen.contains(3)
                    }
                    // Read between cycles, so not every step shows; it only climbs, then drops to 0.
                    #expect(seen.last == 0 && seen.dropLast() == seen.dropLast().sorted(), "\(seen)")
                    let scrape = try await Self.get("http://127.0.0.1:\(port)/metrics")
                    #expect(scrape.contains("# HELP avala_bot_poller_consecutive_failures "))
                }
            } catch {
                await assembly.shutdown()
                throw error
            }
            await assembly.shutdown()
        }
    }
}
