import BotEngine
import BotKit
import Foundation
import Testing

/// `explain` for `simulate`: every rule, matched or the reason it did not.
@Suite struct RuleExplainTests {
    static let yaml = """
        rules:
          - name: yolo-after-coco
            on: export.completed
            where: { "export.format": coco, "project.name": { glob: "prod-*" } }
            do:
              - export: { project: "{{project.uid}}", format: yolo }
          - name: paused
            on: export.completed
            enabled: false
            do: [{ log: { message: x } }]
          - name: failures
            on: [export.failed, "bot.*"]
            do: [{ log: { message: x } }]
          - name: once-an-hour
            on: export.completed
            throttle: { count: 1, per: 1h, key: "{{project.uid}}" }
            do: [{ log: { message: "{{export.uid}}" } }]
        """

    @Test func reasons() throws {
        let rules = try RuleFixtures.rules(Self.yaml)
        let event = RuleFixtures.event(data: ["export": ["uid": "e-1", "format": "yolo"], "project": ["uid": "p-1", "name": "prod-cars"]])
        let explanations = rules.explain(event)
        #expect(
            explanations.map(\.description) == [
                #"yolo-after-coco: where: export.format is "yolo", expected "coco""#,
                "paused: disabled",
                "failures: type export.completed is not in on: export.failed, bot.*",
                "once-an-hour: matched",
            ]
        )
        #expect(explanations.map(\.matched) == [false, false, false, true])
        #expect(explanations[3].actions.map(\.parameters) == [["message": "e-1"]])
        #expect(explanations[0].verdict == .conditionFailed(#"export.format is "yolo", expected "coco""#))
        #expect(explanations[2].verdict == .typeNotMatched(type: "export.completed", on: ["export.failed", "bot.*"]))
    }

    @Test func matchedWithActions() throws {
        let rules = try RuleFixtures.rules(Self.yaml)
        let explanations = rules.explain(RuleFixtures.event(data: RuleFixtures.exportBody))
        #expect(explanations[0].reason == "matched")
        #expect(explanations[0].actions.map(\.parameters) == [["project": "p-1", "format": "yolo"]])
        // The same actions plan(for:) gives.
        #expect(explanations.flatMap(\.actions) == rules.plan(for: RuleFixtures.event(data: RuleFixtures.exportBody)))
    }

    /// The failed condition names the value found; every operator says it its own way.
    @Test(arguments: [
        (#"{ "export.format": coco }"#, #"export.format is "yolo", expected "coco""#),
        (#"{ "export.format": [coco, voc] }"#, #"export.format is "yolo", expected one of: "coco", "voc""#),
        (#"{ "export.format": { ne: yolo } }"#, #"export.format is "yolo", expected anything but "yolo""#),
        (#"{ "project.name": { glob: "prod-*" } }"#, #"project.name is "dev-1", expected to match glob "prod-*""#),
        (#"{ "project.name": { regex: "^prod" } }"#, #"project.name is "dev-1", expected to match regex "^prod""#),
        (#"{ "export.labels": { contains: car } }"#, #"export.labels is ["bus"], expected to contain "car""#),
        (#"{ not: { "export.labels": { contains: bus } } }"#, #"not: export.labels contains "bus" held"#),
        (#"{ "project.owner": { exists: true } }"#, "project.owner is missing, expected it to exist"),
        (#"{ "export.error": { exists: true } }"#, "export.error is null, expected it to exist"),
        (#"{ "project.name": { exists: false } }"#, #"project.name is "dev-1", expected it to be missing"#),
        (#"{ "export.id": { gt: 9007199254740993 } }"#, "export.id is 9007199254740993, expected > 9007199254740993"),
        (#"{ "export.count": { gt: 5 } }"#, "export.count is 3, expected > 5"),
        (#"{ "export.count": { gte: 3.5 } }"#, "export.count is 3, expected >= 3.5"),
        (#"{ "export.count": { lt: 1 } }"#, "export.count is 3, expected < 1"),
        (#"{ "export.count": { gt: 1, lte: 2 } }"#, "export.count is 3, expected <= 2"),
        (#"{ "export.at": { lt: "2026-01-01T00:00:00Z" } }"#, #"export.at is "2026-11-30T10:00:00Z", expected < "2026-01-01T00:00:00Z""#),
        (#"{ "export.missing": coco }"#, #"export.missing is missing, expected "coco""#),
        (#"{ all: [ { "export.count": 3 }, { "export.format": coco } ] }"#, #"export.format is "yolo", expected "coco""#),
        (
            #"{ any: [ { "export.format": coco }, { "export.count": { gt: 9 } } ] }"#,
            #"none of any held: export.format is "yolo", expected "coco"; export.count is 3, expected > 9"#
        ),
        (#"{ not: { "export.format": yolo } }"#, #"not: export.format eq "yolo" held"#),
        (#"{ not: { "export.format": yolo, "export.count": { in: [1, 3] } } }"#, #"not: all(export.format eq "yolo"; export.count in [1, 3]) held"#),
    ])
    func conditionReasons(_ condition: String, _ reason: String) throws {
        let rules = try RuleFixtures.rule(where: condition)
        let body: JSON = [
            "export": [
                "format": "yolo", "count": 3, "error": nil, "at": "2026-11-30T10:00:00Z", "labels": ["bus"], "id": .integer(9_007_199_254_740_993),
            ], "project": ["name": "dev-1"],
        ]
        let explanation = try #require(rules.explain(RuleFixtures.event(data: body)).first)
        #expect(explanation.reason == "where: \(reason)")
        #expect(!explanation.matched)
    }

    /// With a throttle, a full window is a reason; asking never counts.
    @Test func throttled() throws {
        let rules = try RuleFixtures.rules(Self.yaml)
        let throttle = RuleThrottle()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let first = RuleFixtures.event(data: RuleFixtures.exportBody, id: "e1")
        let second = RuleFixtures.event(data: RuleFixtures.exportBody, id: "e2")

        #expect(rules.explain(first, throttle: throttle, now: now)[3].reason == "matched")
        #expect(rules.explain(second, throttle: throttle, now: now)[3].reason == "matched")
        _ = rules.plan(for: first, throttle: throttle, now: now)
        let explanation = rules.explain(second, throttle: throttle, now: now)[3]
        #expect(explanation.reason == "throttled: 1 per 1h already used for key 'p-1'")
        #expect(explanation.verdict == .throttled(key: "p-1", limit: RuleThrottle.Limit(count: 1, per: .seconds(3600))))
        #expect(explanation.actions.count == 1)
        // The event that was admitted is still fine (a replayed simulate of it).
        #expect(rules.explain(first, throttle: throttle, now: now)[3].matched)
        // Without a throttle there is nothing to be throttled by.
        #expect(rules.explain(second)[3].matched)
    }
}
