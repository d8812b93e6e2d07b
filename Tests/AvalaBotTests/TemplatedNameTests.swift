import BotEngine
import BotKit
import Foundation
import TestSupport
import Testing

@testable import AvalaBot

/// A receiver, command or target named by a template (`receiver: "ops-{{project.team}}"`): what can be
/// known of it at load is checked there, and a rendered name nothing configures fails the action saying
/// what it rendered and what is configured.
@Suite struct TemplatedNameTests {
    static let plugins = """
        plugins:
          alert: { receivers: { ops-slack: { log: {} }, legal: { log: {} } } }
          exec: { commands: { notify: { path: /bin/sh } } }
          forward: { targets: { peer: { url: "https://peer.example", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" } } }

        """

    /// What `check-config` (and `run`, a reload, `simulate`) reports: every rendering starts or ends with
    /// text no configured name has. A template that may render any name, or one that fits, passes.
    @Test func aTemplatedNameNoConfiguredNameCanBeIsAnError() {
        let yaml =
            Self.plugins + """
                rules:
                  - name: by-team
                    on: export.failed
                    do:
                      - alert: { receiver: "team-{{export.uid}}", text: hi }
                      - alert: { receiver: "ops-{{export.uid}}", text: hi }
                      - alert: { receiver: "{{export.uid}}-eu", text: hi }
                      - alert: { receiver: "{{export.uid}}", text: hi }
                      - alert: { receiver: "ops-{{export.uid}}-slack", text: hi }
                      - alert: { receiver: "le{{#export.uid}}g{{/export.uid}}al", text: hi }
                      - alert: { receiver: "  {{#export.uid}}\\n  legal\\n  {{/export.uid}}  ", text: hi }
                      - alert: { receiver: "x{{=<% %>=}}<%export.uid%>}}", text: hi }
                  - name: run-by-format
                    on: export.failed
                    do:
                      - exec: { command: "run-{{export.uid}}" }
                      - exec: { command: "no{{export.uid}}" }
                      - forward: { target: "{{export.uid}}-peer" }
                      - forward: { target: "p{{export.uid}}" }
                """
        #expect(
            ConfigCheckTests.diagnostics(yaml) == [
                "bot.yaml:9 rules[0].do[0].alert.receiver: 'team-{{export.uid}}' always renders a receiver starting with 'team-', and no configured receiver is one (configured: legal, ops-slack): rule 'by-team' would fail this action every time",
                "bot.yaml:11 rules[0].do[2].alert.receiver: '{{export.uid}}-eu' always renders a receiver ending with '-eu', and no configured receiver is one (configured: legal, ops-slack): rule 'by-team' would fail this action every time",
                // `ops-slack` starts and ends so, but is one character short of holding both.
                "bot.yaml:13 rules[0].do[4].alert.receiver: 'ops-{{export.uid}}-slack' always renders a receiver starting with 'ops-' and ending with '-slack', and no configured receiver is one (configured: legal, ops-slack): rule 'by-team' would fail this action every time",
                "bot.yaml:16 rules[0].do[7].alert.receiver: 'x{{=<% %>=}}<%export.uid%>}}' always renders a receiver starting with 'x', and no configured receiver is one (configured: legal, ops-slack): rule 'by-team' would fail this action every time",
                "bot.yaml:20 rules[1].do[0].exec.command: 'run-{{export.uid}}' always renders a command starting with 'run-', and no configured command is one (configured: notify): rule 'run-by-format' would fail this action every time",
                "bot.yaml:22 rules[1].do[2].forward.target: '{{export.uid}}-peer' always renders a target ending with '-peer', and no configured target is one (configured: peer): rule 'run-by-format' would fail this action every time",
            ]
        )
    }

    /// A template that does not parse is reported once, as such, not also as a name that cannot fit.
    @Test func aTemplateThatDoesNotParseIsReportedAsSuch() {
        let yaml =
            Self.plugins + """
                rules:
                  - { name: broken, on: export.failed, do: [{ alert: { receiver: "team-{{export.uid", text: hi } }] }
                """
        let found = ConfigCheckTests.diagnostics(yaml)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.hasPrefix("bot.yaml:6 rules[0].do[0].alert.receiver: bad template:") == true, "\(found)")
    }

    /// At run time a rendered name that nothing configures fails the action (no retry can help), naming
    /// the rendered value and the configured names.
    @Test func aRenderedNameNothingConfiguresFailsTheActionNamingBoth() async throws {
        let harness = try await EngineHarness(
            rules: Self.plugins + """
                rules:
                  - { name: alert-by-format, on: export.completed, do: [{ alert: { receiver: "{{export.format}}", text: hi } }] }
                  - { name: run-by-format, on: export.completed, do: [{ exec: { command: "{{export.format}}" } }] }
                  - { name: forward-by-format, on: export.completed, do: [{ forward: { target: "{{export.format}}" } }] }
                """
        )
        defer { harness.removeFiles() }
        #expect(harness.loaded.errors.isEmpty, "\(harness.loaded.errors)")
        _ = try await harness.store.ingest(EngineTests.event(uid: "e-1"))
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until { try await harness.store.deadLetters(limit: 10).count == 3 }
        }
        let dead = try await harness.store.deadLetters(limit: 10)
        #expect(
            Dictionary(uniqueKeysWithValues: dead.map { ($0.rule, $0.detail) }) == [
                "alert-by-format": "unknown receiver 'coco'; configured: legal, ops-slack",
                "run-by-format": "unknown command 'coco'; configured: notify",
                "forward-by-format": "unknown target 'coco'; configured: peer",
            ]
        )
        #expect(dead.allSatisfy { $0.attempts == 1 }, "\(dead.map(\.attempts))")
    }
}
