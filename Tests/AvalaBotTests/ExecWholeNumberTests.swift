import BotEngine
import BotKit
import Foundation
import TestSupport
import Testing

@testable import AvalaBot

/// Ids past 2^53 (`9007199254740993`) reach an exec program digit for digit, wherever they come from: the
/// event's JSON, a number written in the rule or in the command's config, a `${…}` reference. A `Double`
/// would hand the program `9007199254740992`, another object's id. The whole path: config loader,
/// SQLite store, dispatcher, a real process.
@Suite struct ExecWholeNumberTests {
    @Test func wholeNumbersPastTwoToTheFiftyThirdReachTheProgramExactly() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("exec-whole-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("echo-args").path
        let output = directory.appendingPathComponent("args.txt").path
        try Data("#!/bin/sh\nprintf '%s\\n' \"$@\" \"BIG=$BIG\" \"REF=$REF\" > \(output)\n".utf8).write(to: URL(fileURLWithPath: script))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        let harness = try await EngineHarness(
            rules: """
                plugins:
                  exec:
                    commands:
                      echo:
                        path: \(script)
                        args: [--id, 9007199254740995, -9007199254740997, "${BIG_ID}"]
                        env: { BIG: 9007199254740999, REF: "${BIG_ID}" }
                rules:
                  - name: echo-ids
                    on: export.completed
                    do:
                      - exec: { command: echo, args: ["--", "{{export.id}}", "id={{export.id}}", 9223372036854775807, "{{export.ratio}}"] }
                """,
            environment: ["BIG_ID": "9007199254741001"]
        )
        defer { harness.removeFiles() }
        #expect(harness.loaded.errors.isEmpty, "\(harness.loaded.errors)")
        // As a webhook's body arrives: JSON text, parsed.
        let data = try JSON.parse(Array(#"{"export": {"uid": "e-1", "id": 9007199254740993, "ratio": 0.5}}"#.utf8))
        let ingested = try await harness.store.ingest(
            Event(type: .exportCompleted, source: .webhook, subject: .init(kind: "export", uid: "e-1"), data: data, keys: ["export.completed:e-1"])
        )
        let id = EngineTests.id(ingested)
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until { try await harness.store.event(id: id)?.status == .done }
        }
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "--id", "9007199254740995", "-9007199254740997", "9007199254741001",
                "--", "9007199254740993", "id=9007199254740993", "9223372036854775807", "0.5",
                "BIG=9007199254740999", "REF=9007199254741001",
            ]
        )
    }
}
