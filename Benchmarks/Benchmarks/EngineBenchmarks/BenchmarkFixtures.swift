import BotEngine
import BotKit
import Foundation
import LogPlugin

/// Rules and events for the engine benchmarks, built in code (BotEngine reads no YAML itself).
enum BenchmarkFixtures {
    static let location = SourceLocation(file: "bench.yaml", line: 1)

    static func scalar(_ text: String, quoted: Bool = true) -> ConfigNode { .scalar(text, quoted ? .quoted : .plain, location) }

    static func mapping(_ pairs: [(String, ConfigNode)]) -> ConfigNode {
        .mapping(pairs.map { ConfigNode.Entry(key: $0.0, keyLocation: location, value: $0.1) }, location)
    }

    /// 100 rules across the event types: exact types and globs in `on`; in `where` a mix of equality,
    /// `in`, globs, numeric comparisons, `exists`, and a regex in one rule of `regexEvery`.
    static func hundredRules(regexEvery: Int = 10) -> RuleSet {
        var rules: [ConfigNode] = []
        let types = ["export.completed", "export.failed", "member.joined", "project.status_changed", "dataset.created"]
        for index in 0..<100 {
            let type = types[index % types.count]
            let on: ConfigNode = index % 10 == 0 ? scalar("\(type.split(separator: ".")[0]).*") : scalar(type)
            let kind = String(type.split(separator: ".")[0])
            let condition: ConfigNode
            if index % regexEvery == regexEvery - 1 {
                condition = mapping([("\(kind).uid", mapping([("regex", scalar("^[a-f0-9-]{8}"))]))])
            } else {
                switch index % 5 {
                case 0: condition = mapping([("\(kind).format", scalar(index % 8 == 0 ? "coco" : "yolo"))])
                case 1: condition = mapping([("\(kind).name", mapping([("glob", scalar("prod-\(index % 7)*"))]))])
                case 2: condition = mapping([("\(kind).format", .sequence([scalar("coco"), scalar("voc")], location))])
                case 3: condition = mapping([("\(kind).uid", mapping([("exists", scalar("true", quoted: false))]))])
                default: condition = mapping([("event.chain_depth", mapping([("lt", scalar("3", quoted: false))]))])
                }
            }
            rules.append(
                mapping([
                    ("name", scalar("rule-\(index)")), ("on", on), ("where", condition),
                    (
                        "do",
                        .sequence([mapping([("log", mapping([("message", scalar("{{event.type}} {{\(kind).uid}} by rule \(index)"))]))])], location)
                    ),
                ])
            )
        }
        let (set, diagnostics) = RuleSet.compile(.sequence(rules, location), plugins: [LogPlugin.self])
        precondition(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
        return set
    }

    static func events(count: Int) -> [Event] {
        let types: [EventType] = [.exportCompleted, .exportFailed, .memberJoined, .projectStatusChanged, .datasetCreated, .taskCompleted]
        return (0..<count).map { index in
            let type = types[index % types.count]
            let kind = type.subjectKind ?? "payload"
            let uid = String(format: "%08x-bench", index)
            return Event(
                type: type,
                source: .webhook,
                subject: .init(kind: kind, uid: uid),
                data: [kind: ["uid": .string(uid), "format": index % 3 == 0 ? "coco" : "yolo", "name": .string("prod-\(index % 9)-x")]],
                keys: ["\(type.rawValue):\(uid)"]
            )
        }
    }

    static func uniqueEvent(_ index: Int) -> Event {
        let uid = UUID().uuidString.lowercased()
        return Event(
            type: .exportCompleted,
            source: .webhook,
            subject: .init(kind: "export", uid: uid),
            data: ["export": ["uid": .string(uid), "format": "coco", "n": .number(Double(index))]],
            keys: ["delivery:bench:\(uid)", "export.completed:\(uid)"]
        )
    }

    static func temporaryStorePath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).sqlite").path
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
