import BotEngine
import BotKit
import Foundation
import Testing

@testable import AvalaBot

/// `${NAME}` and `${file:/path}` as CONFIG.md has them: a whole scalar. What is not one — empty, malformed,
/// inside other text — is an error at its line, never literal text sent where a value was meant.
@Suite struct ConfigReferenceTests {
    static func diagnostics(_ yaml: String, environment: [String: String] = [:], resolve: Bool = true) -> [String] {
        var loader = ConfigLoader(environment: environment)
        loader.resolveReferences = resolve
        return loader.load(yaml: yaml, file: "bot.yaml").diagnostics.map(\.description)
    }

    /// A variable set but empty is named, and what it would have been refused as further on is not said
    /// as well ("found nothing", "is empty" with no word of the variable).
    @Test func aVariableSetButEmptyIsNamed() {
        let yaml = """
            api: { api_key: k }
            pollers:
              members: { organization: acme, every: "${EVERY}" }
            store: { sqlite: "${DB}" }
            """
        #expect(
            Self.diagnostics(yaml, environment: ["EVERY": "", "DB": ""]) == [
                "bot.yaml:3 pollers.members.every: ${EVERY} is set but empty",
                "bot.yaml:4 store.sqlite: ${DB} is set but empty",
            ]
        )
        // `--no-env` has no values to judge.
        #expect(Self.diagnostics(yaml, resolve: false) == [])
        // `simulate` names it among the references it leaves as written, without an error.
        var lenient = ConfigLoader(environment: ["EVERY": "", "DB": "/tmp/x.sqlite"])
        lenient.resolveReferences = false
        lenient.resolveAvailableReferences = true
        let loaded = lenient.load(yaml: yaml, file: "bot.yaml")
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        #expect(loaded.unsetReferences.map(\.description) == ["bot.yaml:3 pollers.members.every: ${EVERY} is set but empty"])
    }

    @Test(arguments: [
        ("\"${}\"", "${} names no variable: a reference is the whole value, written ${NAME} or ${file:/path}"),
        (
            "\"${ TOKEN }\"",
            "the name in a ${…} reference must be letters, digits and _ only, without spaces: a reference is the whole value, written"
                + " ${NAME} or ${file:/path}"
        ),
        ("\"${file:}\"", "${file:} names no file: write ${file:/path}"),
        ("\"${TOKEN\"", "a ${ is never closed with }: a reference is the whole value, written ${NAME} or ${file:/path}"),
        (
            "\"Bearer ${TOKEN}\"",
            "a ${…} reference is not filled in inside other text: a reference is the whole value, written ${NAME} or ${file:/path}"
        ),
        (
            "\"${A}${B}\"",
            "a ${…} reference is not filled in inside other text: a reference is the whole value, written ${NAME} or ${file:/path}"
        ),
    ])
    func aMalformedReferenceIsAnErrorAtItsScalar(written: String, message: String) {
        let yaml = "api: { api_key: k }\nrules:\n  - name: r\n    on: member.joined\n    do: [{ log: { message: \(written) } }]\n"
        let expected = ["bot.yaml:5 rules[0].do[0].log.message: \(message)"]
        #expect(Self.diagnostics(yaml, environment: ["TOKEN": "tok", "A": "a", "B": "b"]) == expected)
        #expect(Self.diagnostics(yaml, resolve: false) == expected)
    }

    /// A malformed reference is said once: a key of a few choices does not also refuse it as written.
    @Test func aMalformedReferenceIsNotAlsoRefusedAsAValue() {
        #expect(
            Self.diagnostics("api: { api_key: k }\nlog: { level: \"${LEVEL\" }\n") == [
                "bot.yaml:2 log.level: a ${ is never closed with }: a reference is the whole value, written ${NAME} or ${file:/path}"
            ]
        )
    }

    /// A dollar sign before a template (`${{export.cost}}`) is no reference, and `$` alone is text.
    @Test func aDollarBeforeATemplateIsNoReference() {
        let yaml = """
            api: { api_key: k }
            rules:
              - { name: r, on: member.joined, do: [{ log: { message: "${{member.email}} owes $5" } }] }
            """
        let loaded = ConfigLoader(environment: [:]).load(yaml: yaml, file: "bot.yaml")
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let event = Event(type: .memberJoined, source: .poller, data: ["member": ["email": "dana@acme.ai"]])
        #expect(loaded.rules.plan(for: event).map { $0.parameters["message"]?.stringValue } == ["$dana@acme.ai owes $5"])
    }

    /// A plugin's own duration from a reference (`plugins.alert.group_wait`, an exec command's
    /// `timeout`) is refused of its reference too, never with a hint built from it.
    @Test func aPluginDurationFromAReferenceIsRefusedOfItsReference() {
        let yaml = """
            api: { api_key: k }
            plugins:
              alert: { receivers: { s: { log: {} } }, group_wait: "${GW}" }
              exec: { commands: { c: { path: /bin/true, timeout: "${ET}" } } }
            """
        let mustBeADuration = "is not a duration: it must be whole numbers with units, like 500ms, 30s, 5m, 1h30m or 7d (at most 36500d)"
        #expect(
            Self.diagnostics(yaml, environment: ["GW": "5", "ET": "30"]) == [
                "bot.yaml:3 plugins.alert.group_wait: the value of ${GW} \(mustBeADuration)",
                "bot.yaml:4 plugins.exec.commands.c.timeout: the value of ${ET} \(mustBeADuration)",
            ]
        )
    }
}
