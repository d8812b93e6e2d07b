import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import TestSupport
import Testing

@testable import AvalaBot

/// The forward plugin through the real dispatcher and outbound adapter, to a receiver in the test.
@Suite struct ForwardJobTests {
    /// A target URL can carry its token in the path (as Slack's do): the journal, the log line of every
    /// attempt, the dead letter and its `bot.action.dead_lettered` event show the origin only.
    @Test func aTokenInTheTargetPathAppearsInNoOutcomeLogOrDeadLetter() async throws {
        let receiver = RecordingServer(statuses: Array(repeating: 503, count: 5))
        try await receiver.serve { url in
            try await SimulatorHarness.with { harness in
                let bot = BotRun(harness: harness)
                defer { bot.removeFiles() }
                let config = """
                    plugins:
                      forward:
                        targets: { warehouse: { url: "\(url)/hooks/p4th-t0ken/in", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" } }
                    rules:
                      - name: to-warehouse
                        on: member.joined
                        do:
                          - forward: { target: warehouse }
                    """
                let dispatcher = "{ max_attempts: 2, backoff: { base: 10ms, max: 50ms } }"
                try await bot.run(config, dispatcher: dispatcher) { assembly, logs in
                    let event = EventNormalizer.normalize(
                        type: .memberJoined,
                        body: ["organization": "acme-ai", "member": ["user_uid": "u-1", "email": "ana@acme.ai"]],
                        source: "test",
                        deliveryID: "fwd-1"
                    )
                    _ = try await assembly.store.ingest(event)
                    assembly.dispatcher.signal.wake()
                    try await Eventually.until {
                        try await assembly.store.recentEvents(limit: 20, since: nil).contains { $0.event.type == .botActionDeadLettered }
                    }
                    let dead = try #require(try await assembly.store.deadLetters(limit: 10).first)
                    #expect(dead.detail?.contains("warehouse (\(url)) answered HTTP 503") == true, "\(dead.detail ?? "")")
                    var shown = try await BotRun.steps(assembly.store).compactMap(\.detail)
                    for stored in try await assembly.store.recentEvents(limit: 20, since: nil) {
                        shown.append(String(decoding: try stored.event.fileData(), as: UTF8.self))
                    }
                    shown += logs.entries.map { "\($0.message) \($0.metadata)" }
                    #expect(shown.contains { $0.contains("HTTP 503") })
                    for text in shown { #expect(!text.contains("p4th-t0ken"), "\(text)") }
                }
            }
        }
        #expect(receiver.received.map(\.path) == ["/hooks/p4th-t0ken/in", "/hooks/p4th-t0ken/in"])
    }
}
