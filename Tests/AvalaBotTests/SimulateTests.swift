import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Testing

@testable import AvalaBot

/// `simulate`'s report: matched or why not, and the rendered actions; nothing performed.
@Suite struct SimulateTests {
    static let rules = """
        rules:
          - name: coco-only
            on: export.completed
            where: { "export.format": coco }
            do:
              - log: { message: "export {{export.uid}} of {{project.name}}" }
          - name: failures
            on: export.failed
            do:
              - log: { message: "failed" }
          - name: off
            on: export.*
            enabled: false
            do:
              - log: { message: "never" }
        """

    @Test func aRawAvalaBodyIsNormalizedAndExplained() throws {
        let loaded = ConfigLoader(environment: [:]).load(yaml: Self.rules, file: "rules.yaml")
        #expect(loaded.diagnostics.isEmpty)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("event-\(UUID().uuidString).json")
        try Data(#"{"uid": "e-9", "status": "exported", "format": "coco"}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let event = try EventFile.read(path: file.path, type: .exportCompleted)
        let report = SimulationReport(event: event, rules: loaded.rules, enrichment: "offline").render()
        #expect(
            report == """
                Event export.completed about export e-9 (chain depth 0)
                Enrichment: offline
                rule coco-only: matched
                  1. log message="export e-9 of "
                     rendered empty: project.name
                rule failures: type export.completed is not in on: export.failed
                rule off: disabled
                1 of 3 rules matched; 1 action would run. Nothing was performed.
                """
        )
    }

    @Test func aWhereThatFailsSaysWhatItFound() throws {
        let loaded = ConfigLoader(environment: [:]).load(yaml: Self.rules, file: "rules.yaml")
        let event = EventNormalizer.normalize(
            type: .exportCompleted,
            body: ["uid": "e-1", "format": "yolo"],
            source: "test",
            deliveryID: "d-1"
        )
        let report = SimulationReport(event: event, rules: loaded.rules, enrichment: "offline").render()
        #expect(report.contains(#"rule coco-only: where: export.format is "yolo", expected "coco""#))
        #expect(report.hasSuffix("0 of 3 rules matched; 0 actions would run. Nothing was performed."))
    }

    /// `simulate` loads the config without resolving references, but its enrichment resolves the API
    /// key and base URL as `run` would: the shipped configs write `${AVALA_API_KEY}`.
    @Test func enrichmentResolvesTheKeyAndBaseURLReferences() throws {
        var loader = ConfigLoader(environment: [:])
        loader.resolveReferences = false
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)")
        try Data("avk_from_file\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let yaml = "api: { api_key: \"${file:\(file.path)}\", base_url: \"${BASE}\" }\n"
        let loaded = loader.load(yaml: yaml, file: "bot.yaml")
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let access = try #require(try SimulateCommand.apiAccess(loaded.configuration.api, environment: ["BASE": "https://avala.example/api/v1"]))
        #expect(access.0.revealed == "avk_from_file")
        #expect(access.1.description.hasPrefix("https://avala.example"))
        // An environment key serves when the config's reference cannot be resolved; none at all → offline.
        let unset = ConfigLoader(environment: [:]).load(yaml: "api: { api_key: x }\n", file: "bot.yaml").configuration.api
        #expect(try SimulateCommand.apiAccess(APISection(), environment: [:]) == nil)
        #expect(try SimulateCommand.apiAccess(unset, environment: [:])?.0.revealed == "x")
        var referenced = APISection()
        referenced.apiKey = SecretString("${UNSET_KEY}")
        #expect(try SimulateCommand.apiAccess(referenced, environment: ["AVALA_API_KEY": "avk_env"])?.0.revealed == "avk_env")
    }

    @Test func anEventFileNeedsTypeAndData() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("event-\(UUID().uuidString).json")
        try Data(#"{"data": {"export": {"uid": "x"}}}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = try #require(throws: EventFile.Problem.self) { try EventFile.read(path: file.path, type: nil) }
        #expect(error.description == "\(file.path): missing \"type\" (or pass --type TYPE for a raw Avala body)")
    }
}
