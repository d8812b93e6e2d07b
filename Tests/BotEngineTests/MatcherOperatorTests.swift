import BotEngine
import BotKit
import Testing

/// Every `where` operator, against the fixture body of an `export.completed` event: the shorthand forms,
/// missing and null paths, and values of another type.
@Suite struct MatcherOperatorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var condition: String
        var matches: Bool
        init(_ condition: String, _ matches: Bool) {
            self.condition = condition
            self.matches = matches
        }
        var testDescription: String { "\(condition) → \(matches)" }
    }

    static func check(_ testCase: Case, body: JSON = RuleFixtures.exportBody) throws {
        let rules = try RuleFixtures.rule(where: testCase.condition)
        let event = RuleFixtures.event(data: body)
        #expect(rules.matchingRules(for: event) == (testCase.matches ? ["r"] : []), "\(testCase.condition)")
    }

    @Test(arguments: [
        // Shorthand: a scalar is eq, a list is in.
        Case(#"{ "export.format": coco }"#, true),
        Case(#"{ "export.format": yolo }"#, false),
        Case(#"{ "export.format": [yolo, coco] }"#, true),
        Case(#"{ "export.format": [yolo, voc] }"#, false),
        // eq / ne
        Case(#"{ "export.format": { eq: coco } }"#, true),
        Case(#"{ "export.format": { eq: COCO } }"#, false),
        Case(#"{ "export.format": { ne: yolo } }"#, true),
        Case(#"{ "export.format": { ne: coco } }"#, false),
        Case(#"{ "project": { eq: { uid: p-1, name: prod-cars, status: active } } }"#, true),
        Case(#"{ "export.projects": { eq: [p-1, p-2] } }"#, true),
        Case(#"{ "export.projects": { eq: [p-2, p-1] } }"#, false),
        // in
        Case(#"{ "export.format": { in: [coco, yolo] } }"#, true),
        Case(#"{ "export.format": { in: [] } }"#, false),
        Case(#"{ "export.count": { in: [1, 2, 3] } }"#, true),
        // glob
        Case(#"{ "project.name": { glob: "prod-*" } }"#, true),
        Case(#"{ "project.name": { glob: "prod-?ars" } }"#, true),
        Case(#"{ "project.name": { glob: "prod-[bc]ars" } }"#, true),
        Case(#"{ "project.name": { glob: "prod" } }"#, false),
        Case(#"{ "project.name": { glob: "dev-*" } }"#, false),
        Case(#"{ "export.count": { glob: "[0-9]" } }"#, true),
        // regex: unanchored unless anchored
        Case(#"{ "project.name": { regex: "cars" } }"#, true),
        Case(#"{ "project.name": { regex: "^cars" } }"#, false),
        Case(#"{ "project.name": { regex: "^prod-[a-z]+$" } }"#, true),
        // exists
        Case(#"{ "project.name": { exists: true } }"#, true),
        Case(#"{ "project.name": { exists: false } }"#, false),
        Case(#"{ "project.owner": { exists: false } }"#, true),
        Case(#"{ "project.owner": { exists: true } }"#, false),
        // comparisons
        Case(#"{ "export.count": { gt: 2 } }"#, true),
        Case(#"{ "export.count": { gt: 3 } }"#, false),
        Case(#"{ "export.count": { gte: 3 } }"#, true),
        Case(#"{ "export.count": { lt: 3 } }"#, false),
        Case(#"{ "export.count": { lte: 3 } }"#, true),
        Case(#"{ "export.ratio": { gt: 0.25, lt: 0.75 } }"#, true),
        Case(#"{ "export.ratio": { gt: 0.25, lt: 0.4 } }"#, false),
        // several operators: all must hold
        Case(#"{ "project.name": { glob: "prod-*", ne: prod-cars } }"#, false),
        Case(#"{ "project.name": { glob: "prod-*", ne: prod-bikes } }"#, true),
    ])
    func operators(_ testCase: Case) throws {
        try Self.check(testCase)
    }

    /// `contains`: an item of a list, compared as `eq` compares; a substring of a string; false for
    /// anything else. `eq` against a list compares the whole list, so a single value never equals one.
    @Test(arguments: [
        Case(#"{ "export.projects": { contains: p-1 } }"#, true),
        Case(#"{ "export.projects": { contains: p-2 } }"#, true),
        Case(#"{ "export.projects": { contains: p-3 } }"#, false),
        Case(#"{ "export.projects": { contains: P-1 } }"#, false),
        Case(#"{ "export.projects": { contains: p- } }"#, false),
        Case(#"{ "export.labels": { contains: 2 } }"#, true),
        Case(#"{ "export.labels": { contains: "2.0" } }"#, true),
        Case(#"{ "export.labels": { contains: car } }"#, true),
        Case(#"{ "export.labels": { contains: true } }"#, true),
        Case(#"{ "export.labels": { contains: bus } }"#, false),
        Case(#"{ "project.name": { contains: cars } }"#, true),
        Case(#"{ "project.name": { contains: "prod-" } }"#, true),
        Case(#"{ "project.name": { contains: Cars } }"#, false),
        Case(#"{ "export.count": { contains: 3 } }"#, false),
        Case(#"{ "project": { contains: p-1 } }"#, false),
        Case(#"{ "export.missing": { contains: x } }"#, false),
        Case(#"{ "export.error": { contains: x } }"#, false),
        Case(#"{ "export.projects": { contains: p-1, ne: [p-1] } }"#, true),
        Case(#"{ not: { "export.projects": { contains: p-9 } } }"#, true),
        // eq on a list field compares the whole list: a single item never equals it.
        Case(#"{ "export.projects": p-1 }"#, false),
        Case(#"{ "export.projects": { eq: p-1 } }"#, false),
        Case(#"{ "export.projects": { eq: [p-1, p-2] } }"#, true),
    ])
    func contains(_ testCase: Case) throws {
        guard case .object(var body) = RuleFixtures.exportBody, case .object(var export)? = body["export"] else {
            Issue.record("the fixture body has no export")
            return
        }
        export["labels"] = ["car", 2, true]
        body["export"] = .object(export)
        try Self.check(testCase, body: .object(body))
    }

    /// Whole numbers beyond 2^53 from a webhook body compare exactly, with each other, with numbers a
    /// rule writes (whole or not) and with numeric strings: `9007199254740993` is not `…992`, which a
    /// `Double` would make of both.
    @Test(arguments: [
        Case(#"{ "export.id": 9007199254740993 }"#, true),
        Case(#"{ "export.id": 9007199254740992 }"#, false),
        Case(#"{ "export.id": "9007199254740993" }"#, true),
        Case(#"{ "export.id": { ne: 9007199254740992 } }"#, true),
        Case(#"{ "export.id": { in: [9007199254740992, 9007199254740994] } }"#, false),
        Case(#"{ "export.id": { gt: 9007199254740992 } }"#, true),
        Case(#"{ "export.id": { gte: 9007199254740994 } }"#, false),
        Case(#"{ "export.id": { lt: 9007199254740994 } }"#, true),
        Case(#"{ "export.id": { gt: 9.0e15, lt: 1.0e16 } }"#, true),
        Case(#"{ "export.id": { gt: 0.5 } }"#, true),
        Case(#"{ "export.text_id": 9007199254740993 }"#, true),
        Case(#"{ "export.text_id": { gt: 9007199254740992 } }"#, true),
        Case(#"{ "export.ids": { contains: 9007199254740993 } }"#, true),
        Case(#"{ "export.ids": { contains: 9007199254740992 } }"#, false),
        Case(#"{ "export.big": 1152921504606846976 }"#, true),
        Case(#"{ "export.big": { eq: 1.152921504606846976e18 } }"#, true),
        Case(#"{ "export.id": { glob: "*993" } }"#, true),
    ])
    func integersBeyond2To53(_ testCase: Case) throws {
        let body = try JSON.parse(
            Array(
                #"{"export": {"id": 9007199254740993, "text_id": "9007199254740993", "ids": [1, 9007199254740993], "big": 1152921504606846976}}"#.utf8
            )
        )
        try Self.check(testCase, body: body)
    }

    /// A missing path: eq false, ne true, in false, glob/regex false, exists:false true, comparisons false.
    @Test(arguments: [
        Case(#"{ "export.missing": { eq: coco } }"#, false),
        Case(#"{ "export.missing": coco }"#, false),
        Case(#"{ "export.missing": { ne: coco } }"#, true),
        Case(#"{ "export.missing": { in: [coco] } }"#, false),
        Case(#"{ "export.missing": [coco] }"#, false),
        Case(#"{ "export.missing": { glob: "*" } }"#, false),
        Case(#"{ "export.missing": { regex: ".*" } }"#, false),
        Case(#"{ "export.missing": { exists: false } }"#, true),
        Case(#"{ "export.missing": { exists: true } }"#, false),
        Case(#"{ "export.missing": { gt: 0 } }"#, false),
        Case(#"{ "export.missing": { gte: 0 } }"#, false),
        Case(#"{ "export.missing": { lt: 0 } }"#, false),
        Case(#"{ "export.missing": { lte: 0 } }"#, false),
        Case(#"{ "nothing.at.all": { ne: x } }"#, true),
        // Through a scalar or past a list's end is missing too.
        Case(#"{ "export.format.deeper": { exists: false } }"#, true),
        Case(#"{ "export.projects.5": { exists: false } }"#, true),
        // Null counts as missing, except for eq/ne null.
        Case(#"{ "export.error": { exists: true } }"#, false),
        Case(#"{ "export.error": { exists: false } }"#, true),
        Case(#"{ "export.error": { eq: null } }"#, true),
        Case(#"{ "export.error": ~ }"#, true),
        Case(#"{ "export.error": { ne: null } }"#, false),
        Case(#"{ "export.missing": { eq: null } }"#, false),
        Case(#"{ "export.error": { glob: "*" } }"#, false),
        Case(#"{ "export.error": { gt: 0 } }"#, false),
    ])
    func missingPaths(_ testCase: Case) throws {
        try Self.check(testCase)
    }

    /// Numbers against numeric strings compare as numbers; booleans against "true"/"false"; timestamps
    /// as instants; anything else is false, never an error.
    @Test(arguments: [
        Case(#"{ "export.count": "3" }"#, true),
        Case(#"{ "export.count": "3.0" }"#, true),
        Case(#"{ "export.count": { eq: "three" } }"#, false),
        Case(#"{ "export.size": 1024 }"#, true),
        Case(#"{ "export.size": { gt: 1000 } }"#, true),
        Case(#"{ "export.size": { gt: "1000" } }"#, true),
        Case(#"{ "export.size": { lt: 1000 } }"#, false),
        Case(#"{ "export.format": { gt: 5 } }"#, false),
        Case(#"{ "export.format": { lt: 5 } }"#, false),
        Case(#"{ "export.count": { in: ["3", "4"] } }"#, true),
        Case(#"{ "export.done": true }"#, true),
        Case(#"{ "export.done": "true" }"#, true),
        Case(#"{ "export.done": "yes" }"#, false),
        Case(#"{ "export.done": 1 }"#, false),
        Case(#"{ "export.done": { gt: 0 } }"#, false),
        Case(#"{ "export.flag": true }"#, true),
        Case(#"{ "export.flag": false }"#, false),
        Case(#"{ "export.count": true }"#, false),
        Case(#"{ "export.projects": p-1 }"#, false),
        Case(#"{ "project": p-1 }"#, false),
        Case(#"{ "export.done": { glob: "tr*" } }"#, true),
        Case(#"{ "export.created_at": { gt: "2026-11-30T09:59:59Z" } }"#, true),
        Case(#"{ "export.created_at": { gt: "2026-11-30T11:00:00+02:00" } }"#, true),
        Case(#"{ "export.created_at": { lt: "2026-11-30" } }"#, false),
        Case(#"{ "export.created_at": { gte: "2026-11-30" } }"#, true),
        Case(#"{ "export.created_at": { lte: "2026-11-30T10:00:00.000Z" } }"#, true),
        Case(#"{ "export.created_at": { lt: "2026-11-30T10:00:00.001Z" } }"#, true),
        Case(#"{ "export.format": { gt: "2026-01-01" } }"#, false),
        Case(#"{ "export.count": { gt: "2026-01-01" } }"#, false),
        Case(#"{ "export.created_at": { gt: 5 } }"#, false),
        Case(#"{ "export.created_at": "2026-11-30T10:00:00Z" }"#, true),
    ])
    func typeMismatches(_ testCase: Case) throws {
        try Self.check(testCase)
    }

    /// The reserved `event` key: its fields, as `Event.scope` builds them.
    @Test(arguments: [
        Case(#"{ "event.type": export.completed }"#, true),
        Case(#"{ "event.type": { glob: "export.*" } }"#, true),
        Case(#"{ "event.id": ev-1 }"#, true),
        Case(#"{ "event.source": webhook }"#, true),
        Case(#"{ "event.origin": avala }"#, true),
        Case(#"{ "event.chain_depth": 0 }"#, true),
        Case(#"{ "event.chain_depth": { lt: 3 } }"#, true),
        Case(#"{ "event.replay_of": { exists: false } }"#, true),
        Case(#"{ "event.subject.kind": export }"#, true),
        Case(#"{ "event.subject.uid": e-1 }"#, true),
        Case(#"{ "event.time": { gt: "2026-01-01T00:00:00Z" } }"#, true),
        Case(#"{ "event.nope": { exists: false } }"#, true),
        Case(#"{ "export.projects.1": p-2 }"#, true),
    ])
    func eventFields(_ testCase: Case) throws {
        try Self.check(testCase)
    }

    /// A body that is not an object is under `payload`, as in `Event.scope`.
    @Test func nonObjectBodyIsUnderPayload() throws {
        let rules = try RuleFixtures.rule(on: "custom.thing", where: #"{ "payload": hello }"#)
        #expect(rules.matchingRules(for: RuleFixtures.event("custom.thing", data: "hello")) == ["r"])
        #expect(rules.matchingRules(for: RuleFixtures.event("custom.thing", data: "bye")) == [])
    }

    /// Paths resolve against the event exactly as against `Event.scope` (which templates use).
    @Test(arguments: [
        "export.format", "export.projects.0", "event.type", "event.time", "event.subject", "event.subject.kind", "event.replay_of",
        "event.chain_depth", "event.id", "project", "nothing", "export.error",
    ])
    func pathsResolveLikeTheScope(_ path: String) throws {
        let event = RuleFixtures.event(data: RuleFixtures.exportBody, chainDepth: 2)
        let expected = event.scope[path: path]
        let condition = expected.map { #"{ "\#(path)": { eq: \#($0.compactJSON) } }"# } ?? #"{ "\#(path)": { exists: false } }"#
        let rules = try RuleFixtures.rule(where: condition)
        #expect(rules.matchingRules(for: event) == ["r"], "\(condition)")
    }
}
