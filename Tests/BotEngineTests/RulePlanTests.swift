import BotEngine
import BotKit
import Testing

/// `plan(for:)`: which rules match, in which order, and what each planned action carries.
@Suite struct RulePlanTests {
    static let yaml = """
        rules:
          - name: yolo-after-coco
            on: export.completed
            where: { "export.format": coco, "project.name": { glob: "prod-*" } }
            do:
              - export: { project: "{{project.uid}}", format: yolo }
              - log: { message: "chained {{export.uid}}" }
          - name: off
            on: export.completed
            enabled: false
            do:
              - log: { message: never }
          - name: every-export
            on: [export.*, dataset.created]
            do:
              - alert: { receiver: ops, text: "{{event.type}}" }
          - name: welcome
            on: member.joined
            where: { "member.email": { glob: "*@acme.ai" } }
            do:
              - invite: { organization: acme-labelers, email: "{{member.email}}" }
              - invite.resend: { organization: acme-labelers, uid: "{{member.username}}" }
          - name: everything
            on: "*"
            where: { "event.chain_depth": { gte: 1 } }
            do:
              - log: { message: "deep {{event.chain_depth}}" }
        """

    @Test func matchingRulesInFileOrder() throws {
        let rules = try RuleFixtures.rules(Self.yaml)
        #expect(rules.count == 5)
        #expect(rules.names == ["yolo-after-coco", "off", "every-export", "welcome", "everything"])
        let event = RuleFixtures.event(data: RuleFixtures.exportBody)
        #expect(rules.matchingRules(for: event) == ["yolo-after-coco", "every-export"])
        let deep = RuleFixtures.event(data: RuleFixtures.exportBody, chainDepth: 2)
        #expect(rules.matchingRules(for: deep) == ["yolo-after-coco", "every-export", "everything"])

        let planned = rules.plan(for: event)
        #expect(
            planned.map { "\($0.rule)#\($0.actionIndex) \($0.plugin).\($0.action)" } == [
                "yolo-after-coco#0 export.create", "yolo-after-coco#1 log.write", "every-export#0 alert.send",
            ]
        )
        #expect(planned[0].parameters == ["project": "p-1", "format": "yolo"])
        #expect(planned[0].specs == TestExportPlugin.actions[0].parameters)
        #expect(planned[1].parameters == ["message": "chained e-1"])
        #expect(planned[2].parameters == ["receiver": "ops", "text": "export.completed"])
        #expect(planned.allSatisfy { $0.throttle == nil })
    }

    @Test func disabledRulesNeverMatch() throws {
        let rules = try RuleFixtures.rules(Self.yaml)
        for type in [EventType.exportCompleted, .exportFailed, .memberJoined, "custom.thing"] {
            let planned = rules.plan(for: RuleFixtures.event(type, data: RuleFixtures.exportBody, chainDepth: 1))
            #expect(!planned.contains { $0.rule == "off" })
        }
    }

    @Test func namedActionsAndOtherTypes() throws {
        let rules = try RuleFixtures.rules(Self.yaml)
        let joined = RuleFixtures.event(
            .memberJoined,
            data: ["organization": "acme-ai", "member": ["email": "dave@acme.ai", "username": "inv-9"]]
        )
        let planned = rules.plan(for: joined)
        #expect(planned.map(\.action) == ["send", "resend"])
        #expect(planned.map(\.actionIndex) == [0, 1])
        #expect(planned[1].parameters == ["organization": "acme-labelers", "uid": "inv-9"])
        #expect(planned[1].specs.map(\.name) == ["organization", "uid"])

        let outsider = RuleFixtures.event(.memberJoined, data: ["member": ["email": "eve@evil.com"]])
        #expect(rules.plan(for: outsider).isEmpty)

        // A type no rule names exactly reaches only the glob rules.
        let unknown = RuleFixtures.event("partner.ping", data: [:], chainDepth: 1)
        #expect(rules.matchingRules(for: unknown) == ["everything"])
        #expect(rules.plan(for: RuleFixtures.event(.datasetCreated, data: ["dataset": ["uid": "d-1"]])).map(\.rule) == ["every-export"])
    }

    @Test func emptyRuleSet() {
        let event = RuleFixtures.event(data: RuleFixtures.exportBody)
        #expect(RuleSet.empty.plan(for: event) == [])
        #expect(RuleSet.empty.explain(event) == [])
        #expect(RuleSet.empty.count == 0)
    }

    /// The same rule set answers the same from many tasks at once: it is a value, shared freely.
    @Test func concurrentPlanning() async throws {
        let rules = try RuleFixtures.rules(Self.yaml)
        let event = RuleFixtures.event(data: RuleFixtures.exportBody)
        let expected = rules.plan(for: event)
        let results = await withTaskGroup(of: [PlannedAction].self) { group in
            for _ in 0..<8 { group.addTask { rules.plan(for: event) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 == expected })
    }

    /// An argument that starts with `-` only because of the event's data is named for the plugin: the
    /// author wrote an operand there, the event would make it an option. What the author wrote (a literal,
    /// a template that starts with `-` itself, a `${…}` value) is not.
    @Test func argumentsThatTheEventMakesOptionsAreNamed() throws {
        let rules = try RuleFixtures.rules(
            """
            rules:
              - name: run
                on: export.completed
                do:
                  - exec.run: { command: c, args: ["{{export.format}}", "--fixed", "-n{{export.count}}", "{{export.uid}}", "x{{export.format}}"] }
                  - exec.run: { command: c, args: "{{export.format}}" }
                  - exec.run: { command: c, args: "{{export.uid}}" }
            """
        )
        var root = try #require(RuleFixtures.exportBody.objectValue)
        var export = try #require(root["export"]?.objectValue)
        export["format"] = "--output=/etc/passwd"
        root["export"] = .object(export)
        let body = JSON.object(root)
        let planned = rules.plan(for: RuleFixtures.event(data: body))
        #expect(planned.map(\.optionsFromEvent) == [["args": [0]], ["args": [0]], [:]])
        #expect(planned[0].request(for: RuleFixtures.event(data: body)).optionsFromEvent == ["args": [0]])
        #expect(rules.plan(for: RuleFixtures.event(data: RuleFixtures.exportBody)).allSatisfy { $0.optionsFromEvent.isEmpty })
    }

    /// A number past 2^53 written in a rule (an id) is a text, whole-number or number parameter's value
    /// like any other number, and reaches the plugin digit for digit: a `Double` would make it its neighbour.
    @Test func wholeNumbersPastTwoToTheFiftyThirdAreLiteralParametersKeptExactly() throws {
        let (rules, diagnostics) = try RuleFixtures.compile(
            """
            rules:
              - name: big
                on: export.completed
                do:
                  - export: { project: 9007199254740993, max_items: 9007199254740995 }
                  - alert: { receiver: ops, text: -9007199254740997, threshold: 9007199254740999 }
            """
        )
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let planned = rules.plan(for: RuleFixtures.event(data: RuleFixtures.exportBody))
        let request = try #require(planned.first).request(for: RuleFixtures.event(data: RuleFixtures.exportBody))
        #expect(request.string("project") == "9007199254740993")
        #expect(request.parameters["max_items"]?.intValue == 9_007_199_254_740_995)
        #expect(planned.last?.parameters["text"]?.text == "-9007199254740997")
        #expect(planned.last?.parameters["threshold"] == .integer(9_007_199_254_740_999))
    }
}
