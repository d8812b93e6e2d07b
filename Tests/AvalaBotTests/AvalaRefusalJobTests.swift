import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Foundation
import TestSupport
import Testing

@testable import AvalaBot

/// How the bot treats Avala's refusals once the client has given up on a call: a 4xx other than 429 is
/// permanent (dead-lettered after one attempt, avala-api.md §4), and a 429's `Retry-After` sets the
/// earliest next attempt.
@Suite struct AvalaRefusalJobTests {
    static let rules = """
        plugins:
          invite: { allowed_domains: [acme.ai] }
        rules:
          - name: welcome
            on: member.joined
            do:
              - invite: { organization: acme-labelers, email: "{{member.email}}", role: member }
          - name: chain
            on: export.completed
            do:
              - export: { project: "{{export.projects.0}}", format: yolo }
        """

    /// Backoff short enough that a retried step would run again within the test, long enough (10m) not
    /// to cut a 300 s `Retry-After`.
    static let dispatcher = "{ max_attempts: 5, backoff: { base: 10ms, max: 10m } }"

    static func joined(_ email: String) -> Event {
        EventNormalizer.normalize(
            type: .memberJoined,
            body: ["organization": "acme-ai", "member": ["user_uid": .string("u-\(email)"), "email": .string(email), "role": "member"]],
            source: "test",
            deliveryID: "join-\(email)"
        )
    }

    static func exportCompleted(_ uid: String) -> Event {
        EventNormalizer.normalize(
            type: .exportCompleted,
            body: ["uid": .string(uid), "status": "exported", "format": "coco", "projects": [.string(SimulatorSeed.UID.activeProject)]],
            source: "test",
            deliveryID: "done-\(uid)"
        )
    }

    static let invitationsPath = "/organizations/acme-labelers/invitations/"

    @Test(arguments: [
        (400, "invite", invitationsPath), (403, "invite", invitationsPath),
        (400, "export", "/exports/"), (403, "export", "/exports/"),
    ])
    func aRefusedCallIsDeadLetteredAfterOneAttempt(status: Int, plugin: String, path: String) async throws {
        try await SimulatorHarness.with { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            await harness.simulator.injectFault(Fault(pathPrefix: path, method: "POST", status: status))
            try await bot.run(Self.rules, dispatcher: Self.dispatcher) { assembly, _ in
                let event = plugin == "invite" ? Self.joined("rita-\(status)@acme.ai") : Self.exportCompleted("x-\(status)")
                _ = try await assembly.store.ingest(event)
                assembly.dispatcher.signal.wake()
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: plugin).first?.isFinal == true }
                let step = try #require(try await BotRun.steps(assembly.store, plugin: plugin).first)
                #expect(step.status == .dead)
                #expect(step.attempts == 1)
                #expect(step.detail?.contains("HTTP \(status)") == true, "\(step.detail ?? "")")
                #expect(step.detail?.contains("gave up") == false, "\(step.detail ?? "")")
                try await Eventually.until {
                    try await assembly.store.recentEvents(limit: 50, since: nil).contains { $0.event.type == .botActionDeadLettered }
                }
            }
            let posts = await harness.simulator.requests().filter { $0.method == "POST" && $0.path.hasSuffix(path) }
            #expect(posts.count == 1)
        }
    }

    @Test(arguments: [("invite", invitationsPath), ("export", "/exports/")])
    func aRateLimitedCallRunsAgainNotBeforeItsRetryAfter(plugin: String, path: String) async throws {
        try await SimulatorHarness.with { harness in
            let bot = BotRun(harness: harness)
            defer { bot.removeFiles() }
            await harness.simulator.injectFault(Fault(pathPrefix: path, method: "POST", status: 429, retryAfter: 300))
            let started = Date()
            try await bot.run(Self.rules, dispatcher: Self.dispatcher) { assembly, _ in
                let event = plugin == "invite" ? Self.joined("sam@acme.ai") : Self.exportCompleted("x-429")
                _ = try await assembly.store.ingest(event)
                assembly.dispatcher.signal.wake()
                try await Eventually.until { try await BotRun.steps(assembly.store, plugin: plugin).first?.status == .retry }
                let step = try #require(try await BotRun.steps(assembly.store, plugin: plugin).first)
                #expect(step.attempts == 1)
                let next = try #require(step.nextAttemptAt)
                #expect(next >= started.addingTimeInterval(300), "next attempt at \(next), started \(started)")
                #expect(next <= Date().addingTimeInterval(301))
                let stored = try #require(try await assembly.store.recentEvents(limit: 50, since: nil).first { $0.event.id == event.id })
                #expect((stored.nextAttemptAt ?? .distantPast) >= started.addingTimeInterval(300))
            }
        }
    }
}
