import BotEngine
import BotKit
import Foundation
import Testing

@testable import AvalaBot

/// A value under a secret-named key (`token`, `secrets`, `api_key`) is never quoted by the message that
/// refuses it: a secret written out under the wrong shape of key would otherwise be printed.
@Suite struct ConfigSecretKeyTests {
    /// A plugin with secret-named keys, in its section and in its action's parameters.
    struct VaultPlugin: BotPlugin {
        static let name = "vault"
        static let actions = [ActionSpec("open", main: true, parameters: [ParameterSpec("token", .int), ParameterSpec("count", .int)])]
        static let configKeys = [
            ParameterSpec("token", .int), ParameterSpec("api_key", .list), ParameterSpec("dbPassword", .bool), ParameterSpec("count", .int),
        ]
        static let avalaScopes: Set<AvalaScope> = []
        init(config: PluginConfig) throws {}
        func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome { .done("opened") }
    }

    static func diagnostics(_ yaml: String) -> [String] {
        var loader = ConfigLoader(environment: ["AVALA_WEBHOOK_SECRET": "s3cret-of-sixteen-bytes"])
        loader.plugins.append(VaultPlugin.self)
        return loader.load(yaml: yaml, file: "bot.yaml").diagnostics.map(\.description)
    }

    @Test func aSecretNamedKeysValueIsNamedByItsKindOnly() {
        let found = Self.diagnostics(
            """
            listener: { plain_http: true, verify: { secrets: whsec_written_out_1 } }
            plugins:
              vault: { token: written_out_2, api_key: written_out_3, dbPassword: written_out_4, count: many }
            rules:
              - { name: r, on: export.completed, do: [{ vault: { token: written_out_5, count: lots } }] }
            """
        )
        #expect(
            found == [
                "bot.yaml:1 listener.verify.secrets: expected a list, found text",
                "bot.yaml:3 plugins.vault.api_key: expected list, found text",
                "bot.yaml:3 plugins.vault.count: expected int, found \"many\"",
                "bot.yaml:3 plugins.vault.dbPassword: expected bool, found text",
                "bot.yaml:3 plugins.vault.token: expected int, found text",
                "bot.yaml:5 rules[0].do[0].vault.count: expected a whole number, found \"lots\"",
                "bot.yaml:5 rules[0].do[0].vault.token: expected a whole number, found text",
            ]
        )
        #expect(!found.joined().contains("written_out"))
    }

    @Test(arguments: [
        ("plugins: [vault]\n", "bot.yaml:1 plugins: expected a mapping of plugin names, found a list"),
        ("plugins: { vault: [token] }\n", "bot.yaml:1 plugins.vault: expected a mapping of keys, found a list"),
        ("plugins:\n  vault: token\n", "bot.yaml:2 plugins.vault: expected a mapping of keys, found 'token'"),
    ])
    func aPluginSectionOfTheWrongShapeSaysWhatItFound(yaml: String, expected: String) {
        #expect(Self.diagnostics(yaml) == [expected])
    }

    @Test(arguments: [
        ("token", true), ("secrets", true), ("webhook_secret", true), ("api_key", true), ("apiKey", true), ("private-key", true),
        ("dbPassword", true), ("verify.secrets[0]", true), ("key", false), ("max_body", false), ("tokenizer", false),
    ])
    func secretNamesAreKnownByTheirWords(key: String, secret: Bool) {
        #expect(ConfigNode.isSecretNamed(key) == secret)
    }
}
