import BotEngine
import BotKit
import Foundation
import Logging
import Testing

@testable import AvalaBot

/// The exec plugin keeps an excerpt of a program's output in the outcome (journaled, logged, on /status):
/// a value the config gave the program through a `${…}` reference must not reach it, whatever the
/// program prints. Loaded through the real config loader, run as a real process.
@Suite struct ExecOutputRedactionTests {
    /// A user walkthrough's script printed its environment: `ML_TOKEN=mltok-SECRET-123` was in the outcome.
    /// A later one printed its arguments, one of which a rule took from `${…}`.
    @Test func referencedValuesAreTakenOutOfTheOutputExcerpt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("exec-redaction-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("show-env").path
        try Data("#!/bin/sh\necho \"ML_TOKEN=$ML_TOKEN DB_PASSWORD=$DB_PASSWORD PATH=$PATH DEBUG=$DEBUG\"\necho \"args: $*\"\n".utf8).write(
            to: URL(fileURLWithPath: script)
        )
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        let passwordFile = directory.appendingPathComponent("password").path
        try "file-secret-456\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let yaml = """
            plugins:
              exec:
                commands:
                  show:
                    path: \(script)
                    args: ["--token", "${ML_TOKEN}", "--plain", "literal-arg"]
                    env: { ML_TOKEN: "${ML_TOKEN}", DB_PASSWORD: "${file:\(passwordFile)}", PATH: /usr/bin, DEBUG: "${DEBUG}" }
            rules:
              - { name: show, on: export.completed, do: [{ exec: { command: show, args: ["${RULE_TOKEN}"] } }] }
            """
        let loader = ConfigLoader(environment: [
            "ML_TOKEN": "mltok-SECRET-123", "DEBUG": "1", "RULE_TOKEN": "rule-token-789", "AVALA_API_KEY": "avk_test",
        ])
        let loaded = loader.load(yaml: yaml, file: "bot.yaml")
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        let plugin = try #require(loaded.plugins["exec"])
        let event = Event(id: "ev-1", type: "export.completed", source: .webhook, subject: .init(kind: "export", uid: "e-1"), data: [:])
        let outcome = try await plugin.perform(
            ActionRequest(action: "run", parameters: ["command": "show", "args": ["rule-token-789"]], event: event, rule: "show"),
            context: PluginContext(
                logger: Logger(label: "exec-redaction", factory: { _ in SwiftLogNoOpLogHandler() }),
                config: PluginConfig(),
                dryRun: false,
                idempotencyKey: "ev-1/show/0"
            )
        )
        #expect(outcome.name == "done", "\(outcome)")
        #expect(!outcome.detail.contains("SECRET"), "\(outcome.detail)")
        #expect(!outcome.detail.contains("file-secret"), "\(outcome.detail)")
        // A rule's action takes a token from a reference too: it is the config's as much as the section's.
        #expect(!outcome.detail.contains("rule-token"), "\(outcome.detail)")
        #expect(outcome.detail.contains("ML_TOKEN=[redacted]"), "\(outcome.detail)")
        #expect(outcome.detail.contains("DB_PASSWORD=[redacted]"), "\(outcome.detail)")
        #expect(outcome.detail.contains("args: --token [redacted] --plain literal-arg [redacted]"), "\(outcome.detail)")
        // Literal values are ordinary text, and a one-character value is not taken out of everything.
        #expect(outcome.detail.contains("PATH=/usr/bin"), "\(outcome.detail)")
        #expect(outcome.detail.contains("DEBUG=1"), "\(outcome.detail)")
    }
}
