import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Foundation
import Logging
import TestSupport
import Testing

@testable import AvalaBot

/// `simulate` asks each matched action's plugin, in a dry run, what it would do: the plugin's own
/// checks answer instead of every matched action being reported as one that would run.
@Suite struct PluginPreviewTests {
    static let config = """
        plugins:
          invite: { allowed_domains: [acme.ai] }
          export: { max_chain_depth: 2 }
        rules:
          - name: welcome
            on: member.joined
            do:
              - invite: { organization: acme-labelers, email: "{{member.email}}" }
          - name: chain
            on: member.joined
            do:
              - export: { project: p-1, format: yolo }
              - log: { message: "joined {{member.email}}" }
        """

    static func joined(_ email: String, chainDepth: Int = 0) -> Event {
        Event(
            type: .memberJoined,
            source: .poller,
            subject: .init(kind: "member", uid: "u-1"),
            data: ["organization": "acme-ai", "member": ["user_uid": "u-1", "email": .string(email)]],
            chainDepth: chainDepth
        )
    }

    static func report(_ event: Event, client: AvalaClient?) async -> String {
        let loaded = ConfigLoader(environment: [:]).load(yaml: config, file: "avala-bot.yaml")
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        var report = SimulationReport(event: event, rules: loaded.rules, enrichment: client == nil ? "offline" : "online")
        await report.ask(PluginPreview(plugins: loaded.plugins, client: client, logger: Logger(label: "preview") { _ in SwiftLogNoOpLogHandler() }))
        return report.render()
    }

    @Test func offlineThePluginsOwnChecksAnswerWithoutAvala() async throws {
        let report = await Self.report(Self.joined("eve@evil.test", chainDepth: 2), client: nil)
        #expect(report.contains("     would fail: refused: eve@evil.test is outside plugins.invite.allowed_domains (acme.ai)"))
        #expect(report.contains("     would be skipped: "))
        #expect(report.contains("chain depth 2"))
        #expect(report.contains("     would log: joined eve@evil.test"))
        #expect(report.hasSuffix("2 of 2 rules matched; 1 of 3 actions would run. Nothing was performed."))

        // An address the domains allow: the invite's next check reads Avala, which offline cannot.
        let allowed = await Self.report(Self.joined("new.person@acme.ai"), client: nil)
        #expect(allowed.contains("     not checked: the plugin reads Avala first, and no API call is made offline"))
        #expect(allowed.contains("     would export"))
        #expect(allowed.hasSuffix("2 of 2 rules matched; 3 actions would run. Nothing was performed."))
    }

    @Test func onlineTheInviteChecksWhoIsAlreadyAMemberAndChangesNothing() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client in
                let member = await Self.report(Self.joined("lena@acme.ai"), client: client)
                #expect(member.contains("     would be skipped: lena@acme.ai is already a member of acme-labelers (owner)"))
                let newcomer = await Self.report(Self.joined("new.person@acme.ai"), client: client)
                #expect(newcomer.contains("     would invite new.person@acme.ai to acme-labelers as member"))
            }
            // Reads only: no invitation, no export.
            let methods = Set(await harness.simulator.requests().map(\.method))
            #expect(methods == ["GET"])
        }
    }

    /// As in the dispatcher, an action that fails (or waits) holds back the rule's later actions: they
    /// are shown as not running, are not counted as running, and their plugins are not asked.
    @Test func actionsAfterOneThatFailsAreShownNotToRun() async throws {
        let config = """
            plugins:
              invite: { allowed_domains: [acme.ai] }
            rules:
              - name: onboard
                on: member.joined
                do:
                  - invite: { organization: acme-labelers, email: "{{member.email}}" }
                  - log: { message: "invited {{member.email}}" }
                  - log: { message: "again {{member.email}}" }
              - name: empty-email
                on: member.joined
                do:
                  - invite: { organization: acme-labelers, email: "{{member.nickname}}" }
                  - log: { message: "after an empty email" }
            """
        let loaded = ConfigLoader(environment: [:]).load(yaml: config, file: "avala-bot.yaml")
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        var report = SimulationReport(event: Self.joined("eve@evil.test"), rules: loaded.rules, enrichment: "offline")
        // Without asking the plugins, a required parameter rendered empty already fails its action.
        let unasked = report.render()
        #expect(unasked.contains("     would not run: action 1 fails first"))
        #expect(unasked.hasSuffix("2 of 2 rules matched; 3 of 5 actions would run. Nothing was performed."))

        await report.ask(PluginPreview(plugins: loaded.plugins, client: nil, logger: Logger(label: "preview") { _ in SwiftLogNoOpLogHandler() }))
        let asked = report.render()
        #expect(asked.contains("     would fail: refused: eve@evil.test is outside plugins.invite.allowed_domains (acme.ai)"))
        #expect(!asked.contains("would log"))
        #expect(asked.components(separatedBy: "     would not run: action 1 fails first").count - 1 == 3)
        #expect(asked.hasSuffix("2 of 2 rules matched; 0 of 5 actions would run. Nothing was performed."))
        #expect(report.verdicts.keys.sorted() == ["empty-email/0", "onboard/0"])
    }
}
