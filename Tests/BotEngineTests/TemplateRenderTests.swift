import BotEngine
import BotKit
import Testing

/// Templates in `do:` parameters: plain text, missing paths rendered empty and reported precisely,
/// literal values keeping their type.
@Suite struct TemplateRenderTests {
    /// Renders `template` as the `text` of an alert for an event with `body`.
    static func render(_ template: String, body: JSON = RuleFixtures.exportBody) throws -> (text: String, missing: [String]) {
        let quoted = JSON.string(template).compactJSON
        // Templates naming paths no event carries are warned about, not refused.
        let (rules, diagnostics) = try RuleFixtures.compile(
            """
            rules:
              - name: t
                on: "*"
                do:
                  - alert: { receiver: ops, text: \(quoted) }
            """
        )
        #expect(diagnostics.filter { $0.severity == .error }.map(\.description) == [])
        let action = try #require(rules.plan(for: RuleFixtures.event(data: body)).first)
        return (action.parameters["text"]?.stringValue ?? "<not a string>", action.missingPaths)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var template: String
        var rendered: String
        var missing: [String]
        init(_ template: String, _ rendered: String, missing: [String] = []) {
            self.template = template
            self.rendered = rendered
            self.missing = missing
        }
        var testDescription: String { template }
    }

    @Test(arguments: [
        Case("Export {{export.uid}} of {{project.name}}", "Export e-1 of prod-cars"),
        Case("{{export.count}} items, ratio {{export.ratio}}", "3 items, ratio 0.5"),
        Case("{{export.done}}/{{export.flag}}", "true/true"),
        Case("{{export.projects}}", #"["p-1","p-2"]"#),
        Case("{{project}}", #"{"name":"prod-cars","status":"active","uid":"p-1"}"#),
        Case("{{export.projects.1}}", "p-2"),
        Case("{{event.type}} #{{event.chain_depth}} from {{event.source}}", "export.completed #0 from webhook"),
        Case("{{event.subject.kind}}:{{event.subject.uid}}", "export:e-1"),
        Case("{{{project.name}}} {{&project.name}}", "prod-cars prod-cars"),
        Case("{{ project.name }}", "prod-cars"),
        Case("{{uppercased(project.name)}}", "PROD-CARS"),
        Case("{{! a comment }}x", "x"),
        Case("{{=<% %>=}}<% project.name %> {{literal}}", "prod-cars {{literal}}"),
        Case("no template here at all", "no template here at all"),
        // Sections: conditionals, iteration, relative names, inverted sections.
        Case("{{#project}}{{name}} ({{status}}){{/project}}", "prod-cars (active)"),
        Case("{{#project}}{{export.uid}}{{/project}}", "e-1"),
        Case("{{#export.projects}}[{{.}}]{{/export.projects}}", "[p-1][p-2]"),
        Case("{{#export.done}}done{{/export.done}}", "done"),
        Case("{{^export.error}}no error{{/export.error}}", "no error"),
        Case("{{^project}}no project{{/project}}", ""),
        Case("{{#export.error}}{{export.nothing}}{{/export.error}}", ""),
        Case("{{#project.owner}}{{name}}{{/project.owner}}", ""),
        // Missing paths render empty and are named.
        Case("Hi {{member.email}}!", "Hi !", missing: ["member.email"]),
        Case("{{project.owner.email}}", "", missing: ["project.owner.email"]),
        Case("{{export.error}}", "", missing: ["export.error"]),
        Case("{{a}} {{b.c}} {{a}}", "  ", missing: ["a", "b.c"]),
        Case("{{uppercased(member.email)}}", "", missing: ["member.email"]),
        Case("{{export.projects.7}}", "", missing: ["export.projects.7"]),
        Case("{{event.nope}}", "", missing: ["event.nope"]),
        Case("{{#project}}{{owner}}{{/project}}", "", missing: ["owner"]),
        Case("{{#project}}{{name.first}}{{/project}}", "", missing: ["project.name.first"]),
        Case("{{#project}}{{.owner}}{{/project}}", "", missing: ["project.owner"]),
        Case("{{^member}}{{member.email}}{{/member}}", "", missing: ["member.email"]),
        Case("{{#export.projects}}{{.}}{{nope}}{{/export.projects}}", "p-1p-2", missing: ["nope"]),
    ])
    func renders(_ testCase: Case) throws {
        let (text, missing) = try Self.render(testCase.template)
        #expect(text == testCase.rendered)
        #expect(missing == testCase.missing)
    }

    /// Plain text: nothing is HTML-escaped.
    @Test func noHTMLEscaping() throws {
        let body: JSON = ["export": ["error": #"<b>"quota" & 'limits'</b>"#, "uid": "e/1"]]
        let (text, missing) = try Self.render("{{export.error}} {{export.uid}}", body: body)
        #expect(text == #"<b>"quota" & 'limits'</b> e/1"#)
        #expect(missing == [])
    }

    /// The text pragma swift-mustache needs must not change the template's own first line.
    @Test(arguments: [
        ("\n{{project.name}}", "\nprod-cars"),
        ("  {{project.name}}\n", "  prod-cars\n"),
        ("{{#project}}\n{{name}}\n{{/project}}\n", "prod-cars\n"),
        ("line one\nline {{export.uid}}", "line one\nline e-1"),
    ])
    func whitespaceAndLines(_ template: String, _ rendered: String) throws {
        #expect(try Self.render(template).text == rendered)
    }

    /// Literal values keep their YAML type; templates render to strings; lists and mappings are walked.
    @Test func typesAndNesting() throws {
        let rules = try RuleFixtures.rules(
            """
            rules:
              - name: typed
                on: export.completed
                do:
                  - alert:
                      receiver: ops
                      threshold: 0.75
                      group_by: [event.type, "{{project.uid}}", 3]
                      labels: { project: "{{project.name}}", owner: "{{project.owner}}", count: 2, on: true, none: ~ }
                      payload: { quoted: "42", plain: 42, list: [1, "two"] }
                  - export: { project: "{{project.uid}}", format: yolo, follow: true, max_items: 500 }
            """
        )
        let actions = rules.plan(for: RuleFixtures.event(data: RuleFixtures.exportBody))
        try #require(actions.count == 2)
        let alert = actions[0]
        #expect(alert.parameters["threshold"] == .number(0.75))
        #expect(alert.parameters["group_by"] == ["event.type", "p-1", 3])
        #expect(alert.parameters["labels"] == ["project": "prod-cars", "owner": "", "count": 2, "on": true, "none": nil])
        #expect(alert.parameters["payload"] == ["quoted": "42", "plain": 42, "list": [1, "two"]])
        #expect(alert.missingPaths == ["project.owner"])
        #expect(alert.missingPathsByParameter == ["labels": ["project.owner"]])
        let export = actions[1]
        #expect(export.parameters == ["project": "p-1", "format": "yolo", "follow": true, "max_items": 500])
        #expect(export.missingPaths == [])
        #expect(export.requiredFailure == nil)
    }

    /// A required parameter that rendered empty is named with the paths that were missing.
    @Test func requiredParameterRenderedEmpty() throws {
        let rules = try RuleFixtures.rules(
            """
            rules:
              - name: welcome
                on: member.joined
                do:
                  - invite: { organization: acme-labelers, email: "{{member.email}}", role: member }
            """
        )
        let joined = RuleFixtures.event(.memberJoined, data: ["organization": "acme-ai", "member": ["user_uid": "u-1"]])
        let action = try #require(rules.plan(for: joined).first)
        #expect(action.parameters["email"] == "")
        #expect(action.missingPaths == ["member.email"])
        #expect(action.emptyRequiredParameter?.name == "email")
        #expect(action.emptyRequiredParameter?.paths == ["member.email"])
        #expect(action.requiredFailure == "required parameter 'email' rendered empty (missing: member.email)")
        #expect(action.specs.map(\.name) == ["organization", "email", "role"])
        let request = action.request(for: joined)
        #expect(request.missingPaths == ["member.email"])
        #expect(request.string("email") == nil)

        let complete = RuleFixtures.event(.memberJoined, data: ["organization": "acme-ai", "member": ["email": "dave@acme.ai"]])
        let ok = try #require(rules.plan(for: complete).first)
        #expect(ok.parameters["email"] == "dave@acme.ai")
        #expect(ok.requiredFailure == nil)
    }

    /// Only blanks left around a missing path count as empty too.
    @Test func requiredParameterRenderedBlank() throws {
        let rules = try RuleFixtures.rules(
            """
            rules:
              - name: welcome
                on: member.joined
                do:
                  - invite: { organization: acme-labelers, email: " {{member.email}} ", role: member }
            """
        )
        let joined = RuleFixtures.event(.memberJoined, data: ["organization": "acme-ai", "member": ["user_uid": "u-1"]])
        let action = try #require(rules.plan(for: joined).first)
        #expect(action.parameters["email"] == "  ")
        #expect(action.requiredFailure == "required parameter 'email' rendered empty (missing: member.email)")
    }
}
