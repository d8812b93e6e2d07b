import AvalaSimulator
import BotEngine
import BotKit
import Foundation
import TestSupport
import Testing

@testable import AvalaBot

/// The Avala actions a plugin's context holds refuse what the plugin may not do, as permanent failures:
/// a retry would be refused the same way, so the dispatcher dead-letters the action at once.
@Suite struct ScopedAvalaActionsTests {
    @Test func anUndeclaredScopeAndAChangeInADryRunAreRefusedForGoodWithoutARequest() async throws {
        try await SimulatorHarness.with { harness in
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("scoped-\(UUID().uuidString).sqlite").path
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            let store = try SQLiteEventStore(path: path, logger: harness.logger)
            try await store.migrate()
            try await harness.withClient { client in
                let undeclared = ScopedAvalaActions(client: client, store: store, scopes: [.readMembers], dryRun: false)
                await #expect(throws: ActionError.permanent("this plugin did not declare the Avala scope 'invite'")) {
                    _ = try await undeclared.invite(organization: "acme-labelers", email: "x@acme.ai", role: "member")
                }
                let dryRun = ScopedAvalaActions(client: client, store: store, scopes: [.invite], dryRun: true)
                await #expect(throws: ActionError.permanent("dry run: the 'invite' change was not made")) {
                    _ = try await dryRun.invite(organization: "acme-labelers", email: "x@acme.ai", role: "member")
                }
            }
            #expect(await harness.simulator.requests().isEmpty)
        }
    }

    /// A listing the server cuts short is no ground for a plugin's decision (is this address a member?):
    /// the call fails as transient, to be tried again, instead of answering from part of the list.
    @Test func aListingCutShortFailsTransientlyInsteadOfAnsweringFromPartOfIt() async throws {
        try await SimulatorHarness.with { harness in
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("scoped-\(UUID().uuidString).sqlite").path
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            let store = try SQLiteEventStore(path: path, logger: harness.logger)
            try await store.migrate()
            // Three pages of members (100 per page), so the second can repeat the link that led to it.
            try await harness.simulator.addGeneratedMembers(organization: "acme-ai", count: 250)
            try await harness.withClient { client in
                let actions = ScopedAvalaActions(client: client, store: store, scopes: [.readMembers], dryRun: false)
                let all = try await actions.members(organization: "acme-ai")
                #expect(all.count > 250)
                await harness.simulator.setPaginationQuirk(.repeatNext)
                let error = await #expect(throws: ActionError.self) { _ = try await actions.members(organization: "acme-ai") }
                #expect(error?.isPermanent == false)
                #expect(error?.message.contains("repeated_next_link") == true)
            }
        }
    }
}
