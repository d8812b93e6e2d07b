import BotEngine
import BotKit
import Foundation
import Testing

@testable import AvalaBot

/// What a user walkthrough found `check-config` let through, or reported badly: each finding names the
/// file, line and key path, and one run reports all of them.
@Suite struct ConfigCheckTests {
    static func diagnostics(_ yaml: String, environment: [String: String] = [:], resolve: Bool = true) -> [String] {
        var loader = ConfigLoader(environment: environment)
        loader.resolveReferences = resolve
        return loader.load(yaml: yaml, file: "bot.yaml").diagnostics.map(\.description)
    }

    static let namedThings = """
        plugins:
          alert: { receivers: { journal: { log: {} } } }
          exec: { commands: { notify: { path: /bin/sh } } }
          forward: { targets: { peer: { url: "https://peer.example" } } }
        rules:
          - { name: a, on: export.failed, do: [{ alert: { receiver: nope, text: hi } }] }
          - { name: b, on: export.failed, do: [{ exec: { command: nope } }] }
          - { name: c, on: export.failed, do: [{ log: { message: hi } }, { forward: { target: nope2 } }] }
          - { name: d, on: export.failed, do: [{ alert: { receiver: "{{export.uid}}", text: hi } }, { exec: { command: notify } }] }
        """

    /// A typo in a receiver, command or target name must not silently disable a rule: it is an error at
    /// the parameter's line. A templated name is known only when the action runs.
    @Test func literalNamesTheirPluginDoesNotConfigureAreErrors() {
        #expect(
            Self.diagnostics(Self.namedThings) == [
                "bot.yaml:6 rules[0].do[0].alert.receiver: unknown receiver 'nope'; configured: journal",
                "bot.yaml:7 rules[1].do[0].exec.command: unknown command 'nope'; configured: notify",
                "bot.yaml:8 rules[2].do[1].forward.target: unknown target 'nope2'; configured: peer",
            ]
        )
    }
}
