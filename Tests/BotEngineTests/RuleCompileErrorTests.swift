import BotEngine
import BotKit
import Testing

/// Every kind of compile error, asserted verbatim as `check-config` prints it: file, line, key path,
/// message.
@Suite struct RuleCompileErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var expected: [String]
        init(_ name: String, _ yaml: String, _ expected: [String]) {
            self.name = name
            self.yaml = yaml
            self.expected = expected
        }
        var testDescription: String { name }
    }

    static func errors(_ yaml: String) throws -> [String] {
        try RuleFixtures.compile(yaml).1.filter { $0.severity == .error }.map(\.description)
    }

    /// A type no event can have (the listener refuses the name) would leave the rule never running: an
    /// error, where it was a warning that the type "is still routed if a webhook brings it".
    @Test func anOnTypeThatIsNoNameIsAnError() throws {
        let yaml = """
            rules:
              - { name: a, on: "export.{completed,failed}", do: [{ log: { message: x } }] }
              - { name: b, on: [export.completed, "a b"], do: [{ log: { message: x } }] }
            """
        #expect(
            try Self.errors(yaml) == [
                "rules.yaml:2 rules[0].on: no event can have this type: event type 'export.{completed,failed}' is not a name: letters, digits and . _ - : only, at most 128; braces are not alternatives: list the types, on: [export.completed, export.failed]",
                "rules.yaml:3 rules[1].on[1]: no event can have this type: event type 'a b' is not a name: letters, digits and . _ - : only, at most 128",
            ]
        )
    }

    @Test(arguments: [
        Case(
            "rules is not a list",
            """
            rules:
              name: x
            """,
            ["rules.yaml:2 rules: expected a list of rules"]
        ),
        Case(
            "a rule is not a mapping",
            """
            rules:
              - just-a-name
            """,
            ["rules.yaml:2 rules[0]: expected a rule: a mapping with name, on and do"]
        ),
        Case(
            "unknown keys, with and without a suggestion",
            """
            rules:
              - name: a
                on: export.completed
                wher: { export.format: coco }
                priority: 3
                do:
                  - log: { message: hi }
            """,
            [
                "rules.yaml:4 rules[0].wher: unknown key 'wher' (did you mean 'where'?)",
                "rules.yaml:5 rules[0].priority: unknown key 'priority' (expected one of: name, on, where, do, enabled, throttle)",
            ]
        ),
        Case(
            "missing name, on and do",
            """
            rules:
              - where: { export.format: coco }
            """,
            [
                "rules.yaml:2 rules[0]: missing required key 'name'",
                "rules.yaml:2 rules[0]: missing required key 'on'",
                "rules.yaml:2 rules[0]: missing required key 'do'",
            ]
        ),
        Case(
            "duplicate and empty names",
            """
            rules:
              - name: same
                on: export.completed
                do: [{ log: { message: a } }]
              - name: same
                on: export.failed
                do: [{ log: { message: b } }]
              - name: ""
                on: export.failed
                do: [{ log: { message: c } }]
              - name: "tab\\there"
                on: export.failed
                do: [{ log: { message: d } }]
            """,
            [
                "rules.yaml:5 rules[1].name: duplicate rule name 'same' (first at rules.yaml:2)",
                "rules.yaml:8 rules[2].name: expected a rule name (a non-empty string)",
                "rules.yaml:11 rules[3].name: a rule name cannot hold control characters (tabs, line breaks, escapes)",
            ]
        ),
        Case(
            "bad on",
            """
            rules:
              - name: a
                on: { type: export.completed }
                do: [{ log: { message: a } }]
              - name: b
                on: []
                do: [{ log: { message: a } }]
              - name: c
                on: [export.completed, "export.[", ~]
                do: [{ log: { message: a } }]
            """,
            [
                "rules.yaml:3 rules[0].on: expected an event type, a glob like 'export.*', or a list of them",
                "rules.yaml:6 rules[1].on: expected an event type, a glob like 'export.*', or a list of them",
                "rules.yaml:9 rules[2].on[1]: bad glob 'export.[': unclosed '['",
                "rules.yaml:9 rules[2].on[2]: expected an event type, a glob like 'export.*', or a list of them",
            ]
        ),
        Case(
            "enabled is not a boolean",
            """
            rules:
              - name: a
                on: export.completed
                enabled: "no"
                do: [{ log: { message: a } }]
            """,
            ["rules.yaml:4 rules[0].enabled: expected true or false"]
        ),
        Case(
            "unknown operator, verbatim",
            """
            rules:
              - name: yolo-after-coco
                on: export.completed
                where:
                  export.format:
                    eq: coco
                    glb: "c*"
                do:
                  - log: { message: hi }
            """,
            [
                "rules.yaml:7 rules[0].where.export.format: unknown operator 'glb' (expected one of: eq, ne, in, contains, glob, regex, exists, gt, gte, lt, lte)"
            ]
        ),
        Case(
            "a nested mapping is not a path",
            """
            rules:
              - name: a
                on: export.completed
                where: { export: { format: coco } }
                do: [{ log: { message: a } }]
            """,
            [
                "rules.yaml:4 rules[0].where.export: unknown operator 'format' (expected one of: eq, ne, in, contains, glob, regex, exists, gt, gte, lt, lte); to match a nested key, write the path 'export.format'"
            ]
        ),
        Case(
            "bad operator values",
            """
            rules:
              - name: a
                on: export.completed
                where:
                  project.name: { regex: "(prod" }
                  export.format: { glob: "[abc" }
                  export.count: { gt: many }
                  export.size: { in: 3 }
                  export.error: { exists: maybe }
                  export.ratio: {}
                  export..uid: x
                  export.labels: { contains: [car, bus] }
                  export.tags: { contains: "" }
                do: [{ log: { message: a } }]
            """,
            [
                #"rules.yaml:5 rules[0].where.project.name: regex: bad regex "(prod": expected ')'"#,
                "rules.yaml:6 rules[0].where.export.format: glob: bad glob '[abc': unclosed '['",
                #"rules.yaml:7 rules[0].where.export.count: gt: expected a number or an ISO-8601 timestamp, found "many""#,
                "rules.yaml:8 rules[0].where.export.size: in: expected a list of values",
                "rules.yaml:9 rules[0].where.export.error: exists: expected true or false",
                "rules.yaml:10 rules[0].where.export.ratio: expected at least one operator (one of: eq, ne, in, contains, glob, regex, exists, gt, gte, lt, lte)",
                "rules.yaml:11 rules[0].where.export..uid: bad path 'export..uid': a component is empty",
                "rules.yaml:12 rules[0].where.export.labels: contains: expected one value (a non-empty string, a number or a boolean), found a list; for several, write all: or any: of contains conditions",
                "rules.yaml:13 rules[0].where.export.tags: contains: expected one value (a non-empty string, a number or a boolean), found ''; for several, write all: or any: of contains conditions",
            ]
        ),
        Case(
            "bad combinators",
            """
            rules:
              - name: a
                on: export.completed
                where:
                  all: []
                  any: { export.format: coco }
                  not: [export.format]
                do: [{ log: { message: a } }]
              - name: b
                on: export.completed
                where:
                  any:
                    - export.format: coco
                    - export.count: { gtt: 3 }
                do: [{ log: { message: a } }]
              - name: c
                on: export.completed
                where: export.format
                do: [{ log: { message: a } }]
            """,
            [
                "rules.yaml:5 rules[0].where.all: expected a non-empty list of conditions",
                "rules.yaml:6 rules[0].where.any: expected a non-empty list of conditions",
                "rules.yaml:7 rules[0].where.not: expected a mapping of paths to conditions",
                "rules.yaml:14 rules[1].where.any[1].export.count: unknown operator 'gtt' (expected one of: eq, ne, in, contains, glob, regex, exists, gt, gte, lt, lte)",
                "rules.yaml:18 rules[2].where: expected a mapping of paths to conditions",
            ]
        ),
        Case(
            "bad do lists and entries",
            """
            rules:
              - name: a
                on: export.completed
                do: []
              - name: b
                on: export.completed
                do: { log: { message: a } }
              - name: c
                on: export.completed
                do:
                  - log: { message: a }
                    export: { project: p }
                  - just-text
                  - log: message
            """,
            [
                "rules.yaml:4 rules[0].do: expected a non-empty list of actions",
                "rules.yaml:7 rules[1].do: expected a non-empty list of actions",
                "rules.yaml:11 rules[2].do[0]: expected one 'plugin: parameters' or 'plugin.action: parameters' entry",
                "rules.yaml:13 rules[2].do[1]: expected one 'plugin: parameters' or 'plugin.action: parameters' entry",
                "rules.yaml:14 rules[2].do[2].log: expected a mapping of parameters",
            ]
        ),
        Case(
            "unknown plugin and action, no main action",
            """
            rules:
              - name: a
                on: member.joined
                do:
                  - invit: { email: x }
                  - slack: { text: x }
                  - invite.resnd: { organization: o, uid: u }
                  - invite.purge: {}
                  - exec: { command: backup }
                  - exec.run: { command: backup }
            """,
            [
                "rules.yaml:5 rules[0].do[0].invit: unknown plugin 'invit' (did you mean 'invite'?)",
                "rules.yaml:6 rules[0].do[1].slack: unknown plugin 'slack' (known: alert, exec, export, invite, log)",
                "rules.yaml:7 rules[0].do[2].invite.resnd: plugin 'invite' has no action 'resnd' (did you mean 'resend'?)",
                "rules.yaml:8 rules[0].do[3].invite.purge: plugin 'invite' has no action 'purge' (actions: send, resend)",
                "rules.yaml:9 rules[0].do[4].exec: plugin 'exec' has no main action; write exec.ACTION (one of: run)",
            ]
        ),
        Case(
            "parameters: unknown, missing required, choices",
            """
            rules:
              - name: welcome
                on: member.joined
                do:
                  - log: { message: hi }
                  - invite: { organization: acme-labelers, emial: "{{member.email}}", role: superuser }
                  - invite: { organization: acme-labelers, email: "{{member.email}}", role: "{{member.role}}", team: x }
                  - invite.resend: { organization: ~ }
            """,
            [
                "rules.yaml:6 rules[0].do[1].invite.emial: unknown parameter 'emial' of invite.send (did you mean 'email'?)",
                "rules.yaml:6 rules[0].do[1].invite.role: 'superuser' is not one of: owner, admin, member",
                "rules.yaml:6 rules[0].do[1].invite.email: missing required parameter 'email' of invite.send",
                "rules.yaml:7 rules[0].do[2].invite.team: unknown parameter 'team' of invite.send (expected one of: organization, email, role)",
                "rules.yaml:8 rules[0].do[3].invite.resend.organization: missing required parameter 'organization' of invite.resend",
                "rules.yaml:8 rules[0].do[3].invite.resend.uid: missing required parameter 'uid' of invite.resend",
            ]
        ),
        Case(
            "a required parameter written empty",
            """
            rules:
              - name: welcome
                on: member.joined
                do:
                  - invite: { organization: acme-labelers, email: "" }
                  - invite.resend: { organization: "  ", uid: "{{invitation.uid}}" }
            """,
            [
                "rules.yaml:5 rules[0].do[0].invite.email: required parameter 'email' of invite.send is empty",
                "rules.yaml:6 rules[0].do[1].invite.resend.organization: required parameter 'organization' of invite.resend is empty",
            ]
        ),
        Case(
            "kind mismatches of literal values",
            """
            rules:
              - name: kinds
                on: export.completed
                do:
                  - export: { project: [p-1], follow: "yes", max_items: 2.5 }
                  - export: { project: p-1, max_items: lots, format: { name: coco } }
                  - alert:
                      receiver: ops
                      threshold: high
                      group_by: event.type
                      labels: [a, b]
                      group_wait: 30
                  - alert: { receiver: ops, group_wait: 5x, severity: [info, loud] }
                  - alert: { receiver: ops, group_wait: 30m1h, text: { a: 1 } }
            """,
            [
                #"rules.yaml:5 rules[0].do[0].export.project: expected a text value, found ["p-1"]"#,
                #"rules.yaml:5 rules[0].do[0].export.follow: expected true or false, found "yes""#,
                "rules.yaml:5 rules[0].do[0].export.max_items: expected a whole number, found 2.5",
                #"rules.yaml:6 rules[0].do[1].export.max_items: expected a whole number, found "lots""#,
                #"rules.yaml:6 rules[0].do[1].export.format: expected a text value, found {"name":"coco"}"#,
                #"rules.yaml:9 rules[0].do[2].alert.threshold: expected a number, found "high""#,
                #"rules.yaml:10 rules[0].do[2].alert.group_by: expected a list, found "event.type""#,
                #"rules.yaml:11 rules[0].do[2].alert.labels: expected a mapping, found ["a","b"]"#,
                "rules.yaml:12 rules[0].do[2].alert.group_wait: '30' is not a duration: a bare number is ambiguous (write 30s or 30m)",
                "rules.yaml:13 rules[0].do[3].alert.group_wait: '5x' is not a duration (expected e.g. 500ms, 30s, 5m, 1h30m, 7d)",
                "rules.yaml:13 rules[0].do[3].alert.severity[1]: 'loud' is not one of: info, warning, critical",
                "rules.yaml:14 rules[0].do[4].alert.group_wait: '30m1h' is not a duration: combine units largest first, each once (like 1h30m)",
                #"rules.yaml:14 rules[0].do[4].alert.text: expected a text value, found {"a":1}"#,
            ]
        ),
        Case(
            "bad templates, with their place in the template",
            """
            rules:
              - name: t
                on: export.completed
                do:
                  - alert: { receiver: ops, text: "{{#project}}{{name}}" }
                  - alert: { receiver: ops, text: "{{#a}}x{{/b}}" }
                  - alert:
                      receiver: ops
                      labels: { deep: ["ok", "{{export.uid"] }
                  - alert:
                      receiver: ops
                      text: |
                        line one
                        {{%NOPE: x}}
                throttle: { count: 1, per: 1m, key: "{{#x}}" }
            """,
            [
                "rules.yaml:5 rules[0].do[0].alert.text: bad template: a section is never closed (at column 21)",
                "rules.yaml:6 rules[0].do[1].alert.text: bad template: a section is closed with another name than it was opened with (at column 11)",
                "rules.yaml:9 rules[0].do[2].alert.labels.deep[1]: bad template: the template ends inside a tag (at column 13)",
                "rules.yaml:12 rules[0].do[3].alert.text: bad template: unknown pragma (at line 2 of the template, column 13)",
                "rules.yaml:15 rules[0].throttle.key: bad template: a section is never closed (at column 7)",
            ]
        ),
        Case(
            // There are no partials to fill one in: it rendered nothing, without a word.
            "partials, at their line of the template",
            """
            rules:
              - name: t
                on: export.completed
                do:
                  - alert: { receiver: ops, text: "Export failed {{> footer}}" }
                  - alert:
                      receiver: ops
                      text: |
                        Export {{export.uid}} failed
                          {{<layout}}{{$body}}x{{/body}}{{/layout}}
            """,
            [
                "rules.yaml:5 rules[0].do[0].alert.text: bad template: {{>footer}} is a Mustache partial, and avala-bot has none (it would"
                    + " render nothing): write the text out (at column 15)",
                "rules.yaml:8 rules[0].do[1].alert.text: bad template: {{<layout}} is a Mustache partial, and avala-bot has none (it would"
                    + " render nothing): write the text out (at line 2 of the template, column 3)",
            ]
        ),
        Case(
            "bad throttles",
            """
            rules:
              - name: a
                on: export.completed
                throttle: { count: 0, per: 30, limit: 3 }
                do: [{ log: { message: a } }]
              - name: b
                on: export.completed
                throttle: { per: 0s, key: [a] }
                do: [{ log: { message: a } }]
              - name: c
                on: export.completed
                throttle: 5
                do: [{ log: { message: a } }]
              - name: d
                on: export.completed
                throttle: { count: 2.5, per: soon }
                do: [{ log: { message: a } }]
            """,
            [
                "rules.yaml:4 rules[0].throttle.limit: unknown key 'limit' (expected one of: count, per, key)",
                "rules.yaml:4 rules[0].throttle.count: expected a positive whole number, found 0",
                "rules.yaml:4 rules[0].throttle.per: '30' is not a duration: a bare number is ambiguous (write 30s or 30m)",
                "rules.yaml:8 rules[1].throttle: missing required key 'count'",
                "rules.yaml:8 rules[1].throttle.per: expected a window longer than 0s",
                "rules.yaml:8 rules[1].throttle.key: expected a template (a string)",
                "rules.yaml:12 rules[2].throttle: expected a mapping with count, per and key",
                "rules.yaml:16 rules[3].throttle.count: expected a positive whole number, found 2.5",
                "rules.yaml:16 rules[3].throttle.per: 'soon' is not a duration (expected e.g. 500ms, 30s, 5m, 1h30m, 7d)",
            ]
        ),
    ])
    func diagnostics(_ testCase: Case) throws {
        let actual = try Self.errors(testCase.yaml)
        #expect(actual == testCase.expected)
    }

    /// Errors in one rule do not hide those in the next, and only rules without errors are kept.
    @Test func collectsEverythingAndKeepsGoodRules() throws {
        let (rules, diagnostics) = try RuleFixtures.compile(
            """
            rules:
              - name: good
                on: export.completed
                do: [{ log: { message: ok } }]
              - name: bad-where
                on: export.completed
                where: { export.format: { glb: x } }
                do: [{ log: { message: a } }]
              - name: bad-do
                on: export.completed
                do: [{ lgo: { message: a } }]
            """
        )
        #expect(diagnostics.count == 2)
        #expect(diagnostics.allSatisfy { $0.severity == .error })
        #expect(rules.names == ["good"])
    }

    /// No `rules:` at all, or an empty one, is no rules and no error.
    @Test(arguments: ["other: 1", "rules:", "rules: []"])
    func noRules(_ yaml: String) throws {
        let (rules, diagnostics) = try RuleFixtures.compile(yaml)
        #expect(diagnostics == [])
        #expect(rules.count == 0)
    }

    /// The `path` argument names where the rules sit in a bigger config.
    @Test func customPath() throws {
        let root = try YAMLConfigNode.parse(
            """
            profiles:
              prod:
                - name: a
                  on: export.completed
                  do: [{ nope: {} }]
            """,
            file: "config/avala-bot.yaml"
        )
        let (_, diagnostics) = RuleSet.compile(root["profiles"]?["prod"], path: "profiles.prod", plugins: RuleFixtures.plugins)
        #expect(
            diagnostics.map(\.description) == [
                "config/avala-bot.yaml:5 profiles.prod[0].do[0].nope: unknown plugin 'nope' (known: alert, exec, export, invite, log)"
            ]
        )
    }
}
