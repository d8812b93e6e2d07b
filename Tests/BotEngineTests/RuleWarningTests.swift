import BotEngine
import BotKit
import Testing

/// Warnings: types nobody knows, globs that match nothing, paths the rule's event types never carry.
/// A warning never drops the rule.
@Suite struct RuleWarningTests {
    static func warnings(_ yaml: String) throws -> (RuleSet, [String]) {
        let (rules, diagnostics) = try RuleFixtures.compile(yaml)
        #expect(diagnostics.filter { $0.severity == .error }.map(\.description) == [])
        return (rules, diagnostics.filter { $0.severity == .warning }.map(\.description))
    }

    @Test func unknownEventTypes() throws {
        let (rules, warnings) = try Self.warnings(
            """
            rules:
              - name: typo
                on: export.complete
                do: [{ log: { message: a } }]
              - name: custom
                on: [custom.thing, "custom.*", "exprt.*"]
                do: [{ log: { message: "{{anything.at.all}}" } }]
            """
        )
        #expect(
            warnings == [
                "rules.yaml:3 rules[0].on: warning: 'export.complete' is not a known event type (did you mean 'export.completed'?)",
                "rules.yaml:6 rules[1].on[0]: warning: 'custom.thing' is not a known event type; it is still routed if a webhook brings it",
                "rules.yaml:6 rules[1].on[1]: warning: 'custom.*' matches no known event type",
                "rules.yaml:6 rules[1].on[2]: warning: 'exprt.*' matches no known event type",
            ]
        )
        // Unknown types are still routable.
        #expect(rules.matchingRules(for: RuleFixtures.event("export.complete", data: [:])) == ["typo"])
        #expect(rules.matchingRules(for: RuleFixtures.event("custom.thing", data: [:])) == ["custom"])
        #expect(rules.matchingRules(for: RuleFixtures.event("custom.other", data: [:])) == ["custom"])
    }

    /// `{a,b}` looks like alternatives but is matched as written: the rule would silently never match.
    @Test func aGlobWithBraceAlternativesIsWarnedAbout() throws {
        let (rules, warnings) = try Self.warnings(
            """
            rules:
              - name: formats
                on: export.completed
                where: { "export.format": { glob: "{coco,yolo}" }, "export.uid": { glob: "{x}-*" } }
                do: [{ log: { message: a } }]
            """
        )
        #expect(
            warnings == [
                "rules.yaml:4 rules[0].where.export.format: warning: glob: '{coco,yolo}' matches the braces and commas as they are"
                    + " written (a glob here has no {a,b} alternatives); for alternatives write in: [a, b], or a regex"
            ]
        )
        let coco = RuleFixtures.event("export.completed", data: ["export": ["format": "coco", "uid": "{x}-1"]])
        #expect(rules.matchingRules(for: coco) == [])
        let literal = RuleFixtures.event("export.completed", data: ["export": ["format": "{coco,yolo}", "uid": "{x}-1"]])
        #expect(rules.matchingRules(for: literal) == ["formats"])
    }

    @Test func pathsNeverCarried() throws {
        let (rules, warnings) = try Self.warnings(
            """
            rules:
              - name: exports
                on: export.*
                where: { exprt.format: coco, project.name: { glob: "prod-*" }, event.typ: x }
                do:
                  - alert:
                      receiver: ops
                      text: "{{prject.name}} {{member.email}} {{export.uid}} {{event.type}} {{#project}}{{whatever}}{{/project}}"
                      labels: { who: "{{organization}}" }
                throttle: { count: 1, per: 1m, key: "{{exprt.uid}}" }
              - name: members
                on: [member.joined, member.role_changed]
                do:
                  - invite: { organization: "{{organization}}", email: "{{member.email}}", role: "{{to}}" }
                  - log: { message: "{{export.uid}} {{from}}" }
            """
        )
        #expect(
            warnings == [
                "rules.yaml:4 rules[0].where.exprt.format: warning: path 'exprt.format': export.* events never carry 'exprt' (did you mean 'export'?)",
                "rules.yaml:4 rules[0].where.event.typ: warning: path 'event.typ': event has no field 'typ' (did you mean 'type'?)",
                "rules.yaml:8 rules[0].do[0].alert.text: warning: template path 'prject.name': export.* events never carry 'prject' (did you mean 'project'?)",
                "rules.yaml:8 rules[0].do[0].alert.text: warning: template path 'member.email': export.* events never carry 'member' (they carry: event, export, project)",
                "rules.yaml:9 rules[0].do[0].alert.labels.who: warning: template path 'organization': export.* events never carry 'organization' (they carry: event, export, project)",
                "rules.yaml:10 rules[0].throttle.key: warning: template path 'exprt.uid': export.* events never carry 'exprt' (did you mean 'export'?)",
                "rules.yaml:15 rules[1].do[1].log.message: warning: template path 'export.uid': member.joined, member.role_changed events never carry 'export' (they carry: event, from, member, organization, to)",
            ]
        )
        #expect(rules.names == ["exports", "members"])
    }

    /// A key whose value is one text or number (`organization` is the slug itself) has nothing below it: a
    /// path into it renders empty every time, so it is named with what the value is.
    @Test func pathsBelowAValue() throws {
        let (rules, warnings) = try Self.warnings(
            """
            rules:
              - name: joins
                on: [member.joined, member.left]
                do: [{ log: { message: "{{member.email}} joined {{organization.slug}} ({{organization}})" } }]
              - name: roles
                on: member.role_changed
                where: { from.name: member }
                do: [{ log: { message: "{{to}}" } }]
              - name: statuses
                on: [project.status_changed, export.completed]
                do: [{ log: { message: "{{from.status}} {{project.name}}" } }]
              - name: burst
                on: bot.webhook.rejected_burst
                do: [{ log: { message: "{{count.total}} {{reasons.signature_mismatch}}" } }]
            """
        )
        #expect(
            warnings == [
                "rules.yaml:4 rules[0].do[0].log.message: warning: template path 'organization.slug': the organization of member.joined, member.left events is the organization's slug, with no fields: write 'organization'",
                "rules.yaml:7 rules[1].where.from.name: warning: path 'from.name': the from of member.role_changed events is a role, with no fields: write 'from'",
                "rules.yaml:11 rules[2].do[0].log.message: warning: template path 'from.status': the from of project.status_changed events is a project status, with no fields: write 'from'",
                "rules.yaml:14 rules[3].do[0].log.message: warning: template path 'count.total': the count of bot.webhook.rejected_burst events is a number, with no fields: write 'count'",
            ]
        )
        #expect(rules.names == ["joins", "roles", "statuses", "burst"])
    }

    /// The resources the bot builds itself have known fields: a misspelt one is named, with a suggestion
    /// or the fields there are. Resources a webhook may bring (an export) are not checked below their key.
    @Test func fieldsOfBuiltResources() throws {
        let (rules, warnings) = try Self.warnings(
            """
            rules:
              - name: expired
                on: invitation.expired
                do: [{ log: { message: "{{invitation.email}} {{invitation.invited_email}} {{invitation.is_expird}}" } }]
              - name: deliveries
                on: webhook.delivery_failed
                where: { delivery.target_url: { exists: true }, delivery.payload.anything: 1 }
                do: [{ log: { message: "{{delivery.event_type}}" } }]
              - name: members
                on: [member.joined, member.left]
                do: [{ log: { message: "{{member.mail}} {{member.email}} {{organization}}" } }]
              - name: exports
                on: export.completed
                do: [{ log: { message: "{{export.anything_avala_sends}} {{project.whatever}}" } }]
              - name: mixed
                on: [invitation.expired, export.completed]
                do: [{ log: { message: "{{invitation.nope}}" } }]
            """
        )
        #expect(
            warnings == [
                "rules.yaml:4 rules[0].do[0].log.message: warning: template path 'invitation.email': the invitation of invitation.expired events has no field 'email' (its fields: created_at, expires_at, invited_by_username, invited_email, is_expired, organization_name, organization_slug, role, status, uid)",
                "rules.yaml:4 rules[0].do[0].log.message: warning: template path 'invitation.is_expird': the invitation of invitation.expired events has no field 'is_expird' (did you mean 'is_expired'?)",
                "rules.yaml:7 rules[1].where.delivery.target_url: warning: path 'delivery.target_url': the delivery of webhook.delivery_failed events has no field 'target_url' (its fields: attempts, created_at, event_type, next_retry_at, payload, response_body, response_body_sha256, response_body_size, response_preview, response_status, status, subscription, uid, updated_at)",
                "rules.yaml:11 rules[2].do[0].log.message: warning: template path 'member.mail': the member of member.joined, member.left events has no field 'mail' (did you mean 'email'?)",
                // Only an invitation.expired event has an invitation: its fields decide.
                "rules.yaml:17 rules[4].do[0].log.message: warning: template path 'invitation.nope': the invitation of invitation.expired events has no field 'nope' (did you mean 'role'?)",
            ]
        )
        #expect(rules.names == ["expired", "deliveries", "members", "exports", "mixed"])
    }

    /// A webhook's export (or a project) may carry fields no model lists, so only a slip of a documented
    /// field is warned about: a misspelt `format` must not silently disable the chained-export rule.
    @Test func slipsOfDocumentedFieldsOfWebhookResources() throws {
        let (_, warnings) = try Self.warnings(
            """
            rules:
              - name: yolo-after-coco
                on: export.completed
                where: { "export.formt": coco, "export.state": done }
                do: [{ log: { message: "{{export.fromat}} {{export.download_url}} {{export.sender_note}} {{project.nme}}" } }]
              - name: p
                on: project.completed
                where: { "project.stauts": completed, "project.note": x }
                do: [{ log: { message: "{{project.name}} {{project.nmae}}" } }]
            """
        )
        #expect(
            warnings == [
                "rules.yaml:4 rules[0].where.export.formt: warning: path 'export.formt': the export of export.completed events has no documented field 'formt' (did you mean 'format'?)",
                "rules.yaml:4 rules[0].where.export.state: warning: path 'export.state': the export of export.completed events has no documented field 'state' (did you mean 'status'?)",
                "rules.yaml:5 rules[0].do[0].log.message: warning: template path 'export.fromat': the export of export.completed events has no documented field 'fromat' (did you mean 'format'?)",
                "rules.yaml:5 rules[0].do[0].log.message: warning: template path 'project.nme': the project of export.completed events has no documented field 'nme' (did you mean 'name'?)",
                "rules.yaml:8 rules[1].where.project.stauts: warning: path 'project.stauts': the project of project.completed events has no documented field 'stauts' (did you mean 'status'?)",
                "rules.yaml:9 rules[1].do[0].log.message: warning: template path 'project.nmae': the project of project.completed events has no documented field 'nmae' (did you mean 'name'?)",
            ]
        )
    }

    /// Export statuses are normalized before rules run, so a status in Avala's own spelling (`exported`)
    /// or in capitals never matches: the warning names the spelling that does.
    @Test func anExportStatusInAnotherSpellingThanTheNormalizedOne() throws {
        let (rules, warnings) = try Self.warnings(
            """
            rules:
              - name: done
                on: "export.*"
                where: { "export.status": exported }
                do: [{ log: { message: a } }]
              - name: listed
                on: "export.*"
                where: { "export.status": [Completed, failed] }
                do: [{ log: { message: a } }]
              - name: fine
                on: "export.*"
                where: { "export.status": { in: [completed, failed] } }
                do: [{ log: { message: a } }]
            """
        )
        #expect(
            warnings == [
                "rules.yaml:4 rules[0].where.export.status: warning: 'exported' is never an export's status: statuses are normalized before rules run (lower case, and Avala's exported is completed); write 'completed'",
                "rules.yaml:8 rules[1].where.export.status: warning: 'Completed' is never an export's status: statuses are normalized before rules run (lower case, and Avala's exported is completed); write 'completed'",
            ]
        )
        #expect(
            rules.explain(Event(type: .exportFailed, source: .webhook, data: ["export": ["status": "failed"]])).map(\.matched) == [false, true, true]
        )
    }

    /// One unknown type among a rule's types means anything may arrive: no path warning at all.
    @Test func noPathWarningsForUnknownTypes() throws {
        let (_, warnings) = try Self.warnings(
            """
            rules:
              - name: mixed
                on: [export.completed, partner.event]
                where: { payload.kind: x }
                do: [{ log: { message: "{{payload.text}}" } }]
            """
        )
        #expect(
            warnings == ["rules.yaml:3 rules[0].on[1]: warning: 'partner.event' is not a known event type; it is still routed if a webhook brings it"]
        )
    }

    /// A group repeated without bound whose branches can match the same text is as exponential as a
    /// nested repetition (`^(\w|\d)+$` on a long run of digits and one `!`); branches that start
    /// differently, a bounded or possessive repetition, and an atomic group are fine.
    @Test func overlappingBranchesUnderARepetition() throws {
        let risky = [#"^(\w|\d)+$"#, "(a|ab)*c", "^([a-z]|[0-9a-f])+$", "(?:.|x){2,}", #"^(?<p>\s|[[:space:]])+"#, "x(y|(y|z))+"]
        let safe = [
            "^(foo|bar)+$", "^(ab|cd)+$", #"(\d|\D)+"#, "(a|a){2}", "(a|a){1,3}", "(a|a)++", "(?>a|a)+", "([a-m]|[n-z])+", "(a|b)?",
            "(a|b)+", #"^(\p{L}|\d)+$"#, "(a?|b)+", #"(\.|-)+"#, "(a|b)(a|a)", #"\((a|a)\)+"#, "[(a|a)]+",
        ]
        let rules = (risky + safe).enumerated().map { index, pattern in
            """
              - name: r\(index)
                on: export.completed
                where: { export.uid: { regex: \(JSON.string(pattern).compactJSON) } }
                do: [{ log: { message: a } }]
            """
        }
        let (ruleSet, warnings) = try Self.warnings("rules:\n" + rules.joined(separator: "\n"))
        #expect(
            warnings
                == risky.enumerated().map { index, pattern in
                    "rules.yaml:\(4 + 4 * index) rules[\(index)].where.export.uid: warning: regex: '\(pattern)' repeats a group whose"
                        + " branches can match the same text; on some values matching it takes exponential time and holds up every"
                        + " event behind it (write the branches so that they cannot, or as one class)"
                }
        )
        #expect(ruleSet.matchingRules(for: RuleFixtures.event("export.completed", data: ["export": ["uid": "a1"]])).contains("r0"))
    }

    /// The PRODUCT.md example config compiles without a single diagnostic.
    /// A repeated group that repeats inside can take exponential time to match; the rule still loads.
    @Test func nestedRepetitionInARegex() throws {
        let (rules, warnings) = try Self.warnings(
            #"""
            rules:
              - name: nested
                on: export.completed
                where: { export.uid: { regex: "((a*)*){0,2}b" } }
                do: [{ log: { message: a } }]
              - name: fine
                on: export.completed
                where:
                  export.uid: { regex: "^(ab|cd)+$" }
                  export.format: { regex: '(a+)?[(b*)]+\(c*\)+' }
                do: [{ log: { message: a } }]
              - name: deep
                on: export.completed
                where: { export.uid: { regex: "^(x(y+z)?)+$" } }
                do: [{ log: { message: a } }]
            """#
        )
        #expect(
            warnings == [
                "rules.yaml:4 rules[0].where.export.uid: warning: regex: '((a*)*){0,2}b' repeats a group that repeats inside; on some"
                    + " values matching it takes exponential time and holds up every event behind it (write it without the nesting)",
                "rules.yaml:14 rules[2].where.export.uid: warning: regex: '^(x(y+z)?)+$' repeats a group that repeats inside; on"
                    + " some values matching it takes exponential time and holds up every event behind it (write it without the"
                    + " nesting)",
            ]
        )
        #expect(rules.matchingRules(for: RuleFixtures.event("export.completed", data: ["export": ["uid": "aab"]])).contains("nested"))
    }

    @Test func productExampleIsClean() throws {
        let rules = try RuleFixtures.rules(
            """
            rules:
              - name: yolo-after-coco
                on: export.completed
                where: { "export.format": coco, "project.name": { glob: "prod-*" } }
                do:
                  - export: { project: "{{project.uid}}", format: yolo }
              - name: welcome-to-labelers
                on: member.joined
                where: { organization: acme-ai, "member.email": { glob: "*@acme.ai" } }
                do:
                  - invite: { organization: acme-labelers, email: "{{member.email}}", role: member }
              - name: page-on-failed-export
                on: export.failed
                do:
                  - alert: { receiver: ops-slack, text: "Export {{export.uid}} of {{project.name}} failed: {{export.error}}",
                             group_by: [event.type] }
            """
        )
        #expect(rules.names == ["yolo-after-coco", "welcome-to-labelers", "page-on-failed-export"])
    }
}
