import BotKit
import Foundation
import TestSupport
import Testing

@testable import AlertPlugin
@testable import AvalaBot
@testable import BotEngine
@testable import ExecPlugin
@testable import ForwardPlugin
@testable import InvitePlugin

/// `config/avala-bot.schema.json` in step with the code: every fixed-key object of the schema lists exactly
/// the keys the bot accepts there (read from the decoders' `CodingKeys`, the plugins' `configKeys` and the
/// rule compiler, never from a list written here), and the reference configs validate against it.
///
/// The validation runs `Tests/ConfigSchema/validate.py` (PyPI `jsonschema` and `pyyaml`, which `.ci/run`
/// installs); without them the test is skipped locally, but under CI (`CI` set) they are required.
@Suite struct ConfigSchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let schemaURL = root.appendingPathComponent("config/avala-bot.schema.json")
    static let script = root.appendingPathComponent("Tests/ConfigSchema/validate.py")

    /// One fixed-key object: where it is in the schema and the keys the bot accepts there.
    struct Section: Sendable, CustomTestStringConvertible {
        var pointer: String
        var keys: Set<String>
        var testDescription: String { pointer.isEmpty ? "(root)" : pointer }

        init(_ pointer: String, _ keys: some Sequence<String>) {
            self.pointer = pointer
            self.keys = Set(keys)
        }

        init<Key: CodingKey & CaseIterable>(_ pointer: String, _ type: Key.Type) {
            self.init(pointer, Key.allCases.map(\.stringValue))
        }
    }

    static let sections: [Section] =
        [
            Section("", BotConfiguration.CodingKeys.self),
            Section("/properties/api", APISection.CodingKeys.self),
            Section("/properties/listener", ListenerSection.CodingKeys.self),
            Section("/properties/listener/properties/verify", ListenerSection.VerifySection.CodingKeys.self),
            Section("/properties/listener/properties/paths/items", ListenerSection.PathSection.CodingKeys.self),
            Section("/properties/listener/properties/paths/items/properties/verify", ListenerSection.VerifySection.CodingKeys.self),
            Section("/properties/listener/properties/tls", ListenerSection.TLSSection.CodingKeys.self),
            Section("/properties/listener/properties/per_ip", ListenerSection.PerIP.CodingKeys.self),
            Section("/properties/pollers", PollersSection.CodingKeys.self),
            Section("/properties/pollers/properties/exports", PollersSection.Poller.CodingKeys.self),
            Section("/properties/pollers/properties/projects", PollersSection.ProjectsPoller.CodingKeys.self),
            Section("/properties/pollers/properties/members", PollersSection.OrganizationsPoller.CodingKeys.self),
            Section("/properties/pollers/properties/invitations", PollersSection.OrganizationsPoller.invitationsKeys),
            Section("/properties/pollers/properties/deliveries", PollersSection.Poller.CodingKeys.self),
            Section("/properties/store", StoreSection.CodingKeys.self),
            Section("/properties/dispatcher", DispatcherSection.CodingKeys.self),
            Section("/properties/dispatcher/properties/backoff", DispatcherSection.Backoff.CodingKeys.self),
            Section("/properties/log", LogSection.CodingKeys.self),
            Section("/properties/rules/items", RuleCompiler.ruleKeys),
            Section("/properties/rules/items/properties/throttle", RuleCompiler.throttleKeys),
            Section("/properties/plugins", ConfigLoader.availablePlugins.map { $0.name }),
        ]
        + ConfigLoader.availablePlugins.map { Section("/properties/plugins/properties/\($0.name)", $0.configKeys.map(\.name)) }
        + [
            // What each plugin checks inside its own keys.
            Section("/properties/plugins/properties/alert", AlertConfiguration.keys),
            Section("/properties/plugins/properties/alert/properties/receivers/additionalProperties", AlertReceiver.kinds),
            Section("/properties/plugins/properties/alert/properties/silences/items", AlertSilence.keys),
            Section("/properties/plugins/properties/exec/properties/commands/additionalProperties", ExecCommand.keys),
            Section("/properties/plugins/properties/forward/properties/targets/additionalProperties", ForwardTarget.keys),
            Section("/properties/plugins/properties/invite/properties/roster", Roster.keys),
        ]

    /// The operators a `where` path takes, as the schema's mapping of operators lists them, are the rule
    /// compiler's: a new operator is not refused by editors.
    @Test func theSchemaListsExactlyTheWhereOperators() throws {
        let match = try Self.node(at: "/$defs/match", in: try Self.schema())
        let branches = try #require(match["anyOf"] as? [[String: Any]])
        let operators = try #require(branches.lazy.compactMap { $0["properties"] as? [String: Any] }.first)
        #expect(operators.keys.sorted() == MatchOperator.names.sorted())
    }

    @Test(arguments: sections)
    func theSchemaListsExactlyTheKeysTheBotAccepts(_ section: Section) throws {
        let schema = try Self.schema()
        let object = try Self.node(at: section.pointer, in: schema)
        let properties = Set((object["properties"] as? [String: Any] ?? [:]).keys)
        #expect(properties.subtracting(section.keys).sorted() == [], "in the schema, not accepted by the bot")
        #expect(section.keys.subtracting(properties).sorted() == [], "accepted by the bot, missing from the schema")
        #expect(object["additionalProperties"] as? Bool == false, "unknown keys must be refused, as the bot refuses them")
    }

    /// Every object that lists properties says what else it takes, every property of one is described,
    /// and every `$ref` resolves.
    @Test func everyPropertyIsDescribedAndNoObjectIsLeftOpen() throws {
        let schema = try Self.schema()
        var problems: [String] = []
        func walk(_ value: Any, _ pointer: String) {
            if let list = value as? [Any] {
                for (index, item) in list.enumerated() { walk(item, "\(pointer)/\(index)") }
                return
            }
            guard let object = value as? [String: Any] else { return }
            if let reference = object["$ref"] as? String, (try? Self.node(at: String(reference.dropFirst()), in: schema)) == nil {
                problems.append("\(pointer): $ref \(reference) does not resolve")
            }
            // Objects, not the conditions on them (the listener's `allOf` names keys without being an object).
            let isObject = object["type"] as? String == "object" || (object["type"] as? [String])?.contains("object") == true
            if isObject, let properties = object["properties"] as? [String: Any] {
                if object["additionalProperties"] == nil { problems.append("\(pointer): no additionalProperties") }
                for (name, property) in properties where (property as? [String: Any])?["description"] == nil {
                    problems.append("\(pointer)/properties/\(name): no description")
                }
            }
            for (key, child) in object { walk(child, "\(pointer)/\(key)") }
        }
        walk(schema, "")
        #expect(problems.sorted() == [])
    }

    /// The schema's duration and size patterns agree with the parsers the bot uses.
    @Test func theDurationAndSizePatternsAgreeWithTheParsers() throws {
        let schema = try Self.schema()
        let duration = try Self.pattern(in: Self.node(at: "/$defs/duration", in: schema))
        for text in ["500ms", "30s", "5m", "1h30m", "7d", "1d2h3m4s5ms", "30", "30m1h", "5x", "1.5h", "h", "ms5", "1h 30m"] {
            let parses = (try? ConfigDuration.parse(text)) != nil
            #expect(Self.matches(duration, text) == parses, "duration '\(text)': the bot \(parses ? "accepts" : "refuses") it")
        }
        #expect(!Self.matches(duration, ""), "an empty duration")
        let positive = try Self.pattern(in: Self.node(at: "/$defs/positiveDuration", in: schema))
        for text in ["1ms", "30s", "0d1ms", "1h0m", "10s", "0s", "0ms", "0h0m", "00s", "0d0h0m0s0ms", "30", "1.5h", ""] {
            let longer = ((try? ConfigDuration.parse(text)) ?? .zero) > .zero
            #expect(Self.matches(positive, text) == longer, "duration '\(text)': the bot \(longer ? "accepts" : "refuses") it as an interval")
        }
        let size = try Self.pattern(in: Self.node(at: "/$defs/size", in: schema))
        for text in ["512KiB", "1MiB", "1MB", "2GiB", "10KB", "64B", "1048576", "1mb", "1.5MiB", "MiB", "1 MiB", "1TiB", ""] {
            let parses = SizeSetting.parse(text) != nil
            #expect(Self.matches(size, text) == parses, "size '\(text)': the bot \(parses ? "accepts" : "refuses") it")
        }
    }

    /// Looked up once, suspending (python must not hold one of the cooperative pool's two threads).
    static let pythonReady = Task {
        (try? await ChildProcess.run("/usr/bin/env", ["python3", "-c", "import jsonschema, yaml"]).status) == 0
    }

    static let inCI = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } ?? false

    @Test(.enabled("python3 with jsonschema and pyyaml is not installed: pip install jsonschema pyyaml") { await pythonReady.value || inCI })
    func theReferenceConfigsValidate() async throws {
        try #require(await Self.pythonReady.value, "CI must install them: pip install jsonschema pyyaml")
        let files = [
            "config/avala-bot.yaml", "config/demo.yaml", "config/examples/onboarding.yaml", "config/examples/chained-exports.yaml",
            "config/examples/ops-alerting.yaml",
        ].map { Self.root.appendingPathComponent($0).path }
        let output = try await Self.validate(files)
        #expect(output.status == 0, "\(output.text)")
        for file in files { #expect(output.text.contains("ok \(file)\n"), "\(output.text)") }
    }

    /// Configs the bot refuses for an unknown key, and the key the schema must name.
    static let brokenConfigs: [(yaml: String, key: String)] = [
        ("api:\n  timout: 30s\n", "timout"),
        ("listener:\n  plain_http: true\n  per_ip: { rate: 5 }\n", "rate"),
        ("pollers:\n  exports: { every: 30s, max_page: 5 }\n", "max_page"),
        ("store:\n  sqlite_path: ./x.sqlite\n", "sqlite_path"),
        ("plugins:\n  export: { max_chain: 3 }\n", "max_chain"),
        ("plugins:\n  invite: { allowed_domains: [acme.ai], roster: { file: r.csv, organization: acme, remove: true } }\n", "remove"),
        ("rules:\n  - { name: a, on: export.failed, do: [ { log: { message: x } } ], enable: true }\n", "enable"),
        ("loglevel: debug\n", "loglevel"),
    ]

    @Test(.enabled("python3 with jsonschema and pyyaml is not installed: pip install jsonschema pyyaml") { await pythonReady.value || inCI })
    func aConfigWithAnUnknownKeyIsRejectedByTheSchemaAsByTheBot() async throws {
        try #require(await Self.pythonReady.value, "CI must install them: pip install jsonschema pyyaml")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("config-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [String] = []
        for (index, broken) in Self.brokenConfigs.enumerated() {
            let bot = ConfigLoader(environment: [:], resolveReferences: false).load(yaml: broken.yaml, file: "broken-\(index).yaml")
            #expect(bot.errors.contains { $0.message.contains("unknown key '\(broken.key)'") }, "the bot accepts \(broken.yaml)")
            let file = directory.appendingPathComponent("broken-\(index).yaml").path
            try broken.yaml.write(toFile: file, atomically: true, encoding: .utf8)
            files.append(file)
        }
        let output = try await Self.validate(files)
        #expect(output.status == 1, "\(output.text)")
        let lines = output.text.split(separator: "\n").map(String.init)
        for (file, broken) in zip(files, Self.brokenConfigs) {
            #expect(
                lines.contains { $0.hasPrefix("FAIL \(file): ") && $0.contains("'\(broken.key)' was unexpected") },
                "the schema accepts \(broken.yaml)\n\(output.text)"
            )
        }
    }

    /// Configs every key of which is known but a value is out of range, and the key path both the bot and
    /// the schema must name.
    static let outOfRangeConfigs: [(yaml: String, path: String)] = [
        ("pollers:\n  projects: { progress_thresholds: [50, 150] }\n", "pollers.projects.progress_thresholds"),
        ("pollers:\n  exports: { every: 0s }\n", "pollers.exports.every"),
        ("dispatcher:\n  backoff: { base: 0ms }\n", "dispatcher.backoff.base"),
        ("plugins:\n  alert: { receivers: { l: { log: {} } }, repeat_interval: 0h0m }\n", "plugins.alert.repeat_interval"),
        ("rules:\n  - { name: a, on: export.failed, throttle: { count: 1, per: 0s }, do: [ { log: { message: x } } ] }\n", "rules[0].throttle.per"),
        ("listener:\n  plain_http: true\n  tls: { cert: a.crt, key: a.key }\n", "listener"),
        ("pollers:\n  members: { organization: a, organizations: [b] }\n", "pollers.members"),
    ]

    @Test(
        .enabled("python3 with jsonschema and pyyaml is not installed: pip install jsonschema pyyaml") { await pythonReady.value || inCI },
        arguments: outOfRangeConfigs.indices
    )
    func aValueOutOfRangeIsRejectedByTheSchemaAsByTheBot(_ index: Int) async throws {
        try #require(await Self.pythonReady.value, "CI must install them: pip install jsonschema pyyaml")
        let (yaml, path) = Self.outOfRangeConfigs[index]
        let bot = ConfigLoader(environment: [:], resolveReferences: false).load(yaml: yaml, file: "range.yaml")
        #expect(bot.errors.contains { $0.path.hasPrefix(path) }, "the bot accepts \(yaml): \(bot.errors)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("range-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let output = try await Self.validate([file])
        #expect(output.status == 1, "the schema accepts \(yaml)\n\(output.text)")
        #expect(output.text.contains("FAIL \(file): \(path)"), "\(output.text)")
    }

    /// A group_wait of 0s is allowed (send at once), while the intervals after it must be longer.
    @Test(.enabled("python3 with jsonschema and pyyaml is not installed: pip install jsonschema pyyaml") { await pythonReady.value || inCI })
    func aZeroGroupWaitIsAcceptedByTheSchemaAsByTheBot() async throws {
        try #require(await Self.pythonReady.value, "CI must install them: pip install jsonschema pyyaml")
        let yaml = "plugins:\n  alert: { receivers: { l: { log: {} } }, group_wait: 0s }\n"
        let bot = ConfigLoader(environment: [:], resolveReferences: false).load(yaml: yaml, file: "wait.yaml")
        #expect(!bot.errors.contains { $0.path.contains("group_wait") }, "\(bot.errors)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wait-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let output = try await Self.validate([file])
        #expect(!output.text.contains("group_wait"), "\(output.text)")
    }

    // MARK: - Helpers

    static func schema() throws -> [String: Any] {
        let data = try Data(contentsOf: schemaURL)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "the schema is not a JSON object")
    }

    /// The object at a JSON pointer (`/properties/api`), following local `$ref`s on the way and at the end.
    static func node(at pointer: String, in schema: [String: Any]) throws -> [String: Any] {
        func resolved(_ object: [String: Any], depth: Int = 0) throws -> [String: Any] {
            guard let reference = object["$ref"] as? String else { return object }
            try #require(reference.hasPrefix("#") && depth < 16, "unsupported $ref \(reference)")
            return try resolved(try node(at: String(reference.dropFirst()), in: schema), depth: depth + 1)
        }
        var current = try resolved(schema)
        for token in pointer.split(separator: "/", omittingEmptySubsequences: true) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            let next = try #require(current[key] as? [String: Any], "the schema has no object at \(pointer) (stopped at '\(key)')")
            current = try resolved(next)
        }
        return current
    }

    /// The `pattern` of a definition's string branch.
    static func pattern(in definition: [String: Any]) throws -> NSRegularExpression {
        let branches = definition["anyOf"] as? [[String: Any]] ?? [definition]
        let pattern = try #require(
            branches.lazy.compactMap { $0["type"] as? String == "string" ? $0["pattern"] as? String : nil }.first,
            "no string pattern"
        )
        return try NSRegularExpression(pattern: pattern)
    }

    /// Whether the text matches the pattern and the branch's `minLength: 1` (JSON Schema patterns are unanchored; ours are anchored).
    static func matches(_ pattern: NSRegularExpression, _ text: String) -> Bool {
        !text.isEmpty && pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// Runs validate.py on the schema and the files: its status and everything it printed.
    static func validate(_ files: [String]) async throws -> (status: Int32, text: String) {
        let result = try await ChildProcess.run("/usr/bin/env", ["python3", script.path, schemaURL.path] + files, includingErrors: true)
        return (result.status, result.output)
    }
}
