import BotKit
import Foundation
import TestSupport
import Testing

@testable import AvalaBot
@testable import BotEngine

/// `check-config` warns from EventBodyKeys' hand-kept tables; this holds them to the bodies the roster
/// schedule and the dispatcher really build (`bot.roster.due`, `bot.action.dead_lettered`), so a key
/// added to one (or a text turned into an object) without its table fails here rather than as a wrong
/// warning in the field. The pollers' and the listener's bodies are held in their own test targets.
@Suite struct BotBodyKeysTests {
    @Test func rosterDueAndDeadLetteredBodies() async throws {
        let id = "roster-keys-\(UUID().uuidString)"
        let harness = try await EngineHarness(
            rules: """
                plugins:
                  invite: { allowed_domains: [acme.ai], roster: { file: r.csv, organization: acme-ai, every: 1h } }
                rules:
                  - name: reconcile
                    on: bot.roster.due
                    do:
                      - record: { id: "\(id)", mode: permanent }
                """
        )
        defer { harness.removeFiles() }
        #expect(harness.loaded.errors.isEmpty, "\(harness.loaded.errors)")
        let roster = try #require(
            RosterSchedule.from(plugins: harness.loaded.configuration.plugins, store: harness.store, wake: WakeSignal(), logger: harness.logger)
        )
        _ = try await harness.store.ingest(roster.event(slot: (Date().timeIntervalSince1970 / 3_600).rounded(.down) * 3_600))
        // The permanent failure dead-letters the reconcile step: the dispatcher raises its bot event.
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until {
                try await harness.store.recentEvents(limit: 10, since: nil).contains { $0.event.type == .botActionDeadLettered }
            }
        }
        let events = try await harness.store.recentEvents(limit: 10, since: nil).map(\.event)
        for type in [EventType.botRosterDue, .botActionDeadLettered] {
            let event = try #require(events.first { $0.type == type }, "no \(type.rawValue) was raised")
            let mismatches = EventBodyKeys.mismatches(in: event.data, for: type)
            #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "; "))")
        }
    }
}
