import BotEngine
import BotKit
import Foundation
import Testing

/// Compiling rule fixtures and making events for the rule tests.
enum RuleFixtures {
    static let plugins: [any BotPlugin.Type] = [
        TestInvitePlugin.self, TestExportPlugin.self, TestAlertPlugin.self, TestLogPlugin.self, TestExecPlugin.self,
    ]

    /// A fixed instant, so `event.time` renders the same in every run.
    static let time = Date(timeIntervalSince1970: 1_795_000_000)

    /// Compiles the `rules:` of a YAML document.
    static func compile(_ yaml: String) throws -> (RuleSet, [ConfigDiagnostic]) {
        let root = try YAMLConfigNode.parse(yaml)
        return RuleSet.compile(root["rules"], plugins: plugins)
    }

    /// Compiles and requires that nothing at all was reported.
    static func rules(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> RuleSet {
        let (rules, diagnostics) = try compile(yaml)
        #expect(diagnostics.map(\.description) == [], sourceLocation: sourceLocation)
        return rules
    }

    /// One rule on `on` with the given `where` (flow YAML) and a `log` action; warnings (a path the type
    /// never carries) are allowed, errors are not.
    static func rule(
        on: String = "export.completed",
        where condition: String,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    )
        throws -> RuleSet
    {
        let (rules, diagnostics) = try compile(
            """
            rules:
              - name: r
                on: \(on)
                where: \(condition)
                do:
                  - log: { message: hi }
            """
        )
        #expect(diagnostics.filter { $0.severity == .error }.map(\.description) == [], sourceLocation: sourceLocation)
        return rules
    }

    static func event(
        _ type: EventType = .exportCompleted,
        data: JSON,
        id: String = "ev-1",
        chainDepth: Int = 0,
        replayOf: String? = nil
    )
        -> Event
    {
        Event(
            id: id,
            type: type,
            source: .webhook,
            origin: "avala",
            time: time,
            subject: Event.Subject(kind: "export", uid: "e-1"),
            data: data,
            chainDepth: chainDepth,
            replayOf: replayOf
        )
    }

    /// An export.completed body in Avala's shape, with its enriched project.
    static let exportBody: JSON = [
        "export": [
            "uid": "e-1", "format": "coco", "status": "completed", "count": 3, "ratio": 0.5, "size": "1024",
            "done": true, "flag": "true", "created_at": "2026-11-30T10:00:00Z", "error": .null, "projects": ["p-1", "p-2"],
        ],
        "project": ["uid": "p-1", "name": "prod-cars", "status": "active"],
    ]
}
