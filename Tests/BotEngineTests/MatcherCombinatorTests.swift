import BotEngine
import BotKit
import Testing

/// `all`, `any`, `not`, nesting, and several keys in one mapping (all must hold).
@Suite struct MatcherCombinatorTests {
    @Test(arguments: [
        // Several keys: all must hold.
        MatcherOperatorTests.Case(#"{ "export.format": coco, "project.name": { glob: "prod-*" } }"#, true),
        MatcherOperatorTests.Case(#"{ "export.format": coco, "project.name": { glob: "dev-*" } }"#, false),
        MatcherOperatorTests.Case("{}", true),
        // all
        MatcherOperatorTests.Case(#"{ all: [ { "export.format": coco }, { "export.count": 3 } ] }"#, true),
        MatcherOperatorTests.Case(#"{ all: [ { "export.format": coco }, { "export.count": 4 } ] }"#, false),
        // any
        MatcherOperatorTests.Case(#"{ any: [ { "export.format": yolo }, { "export.count": 3 } ] }"#, true),
        MatcherOperatorTests.Case(#"{ any: [ { "export.format": yolo }, { "export.count": 4 } ] }"#, false),
        MatcherOperatorTests.Case(#"{ any: [ { "export.format": coco } ] }"#, true),
        // not
        MatcherOperatorTests.Case(#"{ not: { "export.format": yolo } }"#, true),
        MatcherOperatorTests.Case(#"{ not: { "export.format": coco } }"#, false),
        MatcherOperatorTests.Case(#"{ not: { "export.format": coco, "export.count": 4 } }"#, true),
        MatcherOperatorTests.Case(#"{ not: { "export.missing": { exists: true } } }"#, true),
        // nesting
        MatcherOperatorTests.Case(
            #"{ any: [ { all: [ { "export.format": yolo }, { "export.count": 3 } ] }, { not: { "project.status": active } } ] }"#,
            false
        ),
        MatcherOperatorTests.Case(
            #"{ any: [ { all: [ { "export.format": coco }, { "export.count": 3 } ] }, { not: { "project.status": active } } ] }"#,
            true
        ),
        MatcherOperatorTests.Case(#"{ not: { any: [ { "export.format": yolo }, { "export.format": voc } ] } }"#, true),
        MatcherOperatorTests.Case(#"{ not: { not: { "export.format": coco } } }"#, true),
        MatcherOperatorTests.Case(
            #"{ all: [ { any: [ { "export.count": { gt: 5 } }, { "export.ratio": { lt: 1 } } ] } ], "event.chain_depth": { lt: 3 } }"#,
            true
        ),
    ])
    func combinators(_ testCase: MatcherOperatorTests.Case) throws {
        try MatcherOperatorTests.check(testCase)
    }

    /// The block form reads the same as the flow form.
    @Test func blockYAML() throws {
        let rules = try RuleFixtures.rules(
            """
            rules:
              - name: nested
                on: [export.completed, export.failed]
                where:
                  any:
                    - export.format: coco
                      project.name: { glob: "prod-*" }
                    - not:
                        export.status: completed
                do:
                  - log: { message: hi }
            """
        )
        #expect(rules.matchingRules(for: RuleFixtures.event(data: RuleFixtures.exportBody)) == ["nested"])
        #expect(rules.matchingRules(for: RuleFixtures.event(data: ["export": ["format": "yolo", "status": "completed"]])) == [])
        #expect(rules.matchingRules(for: RuleFixtures.event(.exportFailed, data: ["export": ["format": "yolo", "status": "failed"]])) == ["nested"])
    }
}
