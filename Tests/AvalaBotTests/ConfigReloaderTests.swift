import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import AvalaBot

/// SIGHUP's reload, called directly (a real signal would end the test process if sent before the
/// handler is installed): a valid config swaps rules and plugins at once; a broken one changes nothing.
@Suite struct ConfigReloaderTests {
    static func config(rules: String, every: String = "1m") -> String {
        """
        pollers:
          members: { organization: acme-ai, every: \(every) }
        plugins:
          invite: { allowed_domains: [acme.ai] }
        rules:
        \(rules)
        """
    }

    @Test func aValidConfigIsAppliedAndABrokenOneIsRefused() async throws {
        try await SimulatorHarness.with { harness in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("bot.yaml").path
            let environment = [
                "AVALA_API_KEY": harness.apiKey, "AVALA_BASE_URL": harness.baseURL, "AVALA_ALLOW_INSECURE_BASE_URL": "1",
            ]
            let store = directory.appendingPathComponent("store.sqlite").path
            let one = """
                  - name: note
                    on: export.completed
                    do: [ { log: { message: "one" } } ]
                """
            try (Self.config(rules: one) + "\nstore: { sqlite: \"\(store)\" }\n").write(toFile: path, atomically: true, encoding: .utf8)
            let loader = ConfigLoader(environment: environment)
            let loaded = loader.load(path: path)
            #expect(loaded.errors.isEmpty, "\(loaded.errors)")
            var handler = InMemoryLogHandler()
            handler.logLevel = .info
            let logs = handler
            let logger = Logger(label: "reload") { _ in handler }
            let assembly = try await BotAssembly.build(loaded, environment: environment, logger: logger)
            defer { Task { await assembly.shutdown() } }
            let reloader = ConfigReloader(path: path, loaded: loaded, loader: loader, dispatcher: assembly.dispatcher, listener: nil, logger: logger)
            #expect(assembly.dispatcher.rules.current.count == 1)
            #expect(assembly.dispatcher.host.plugins.keys.sorted() == ["invite", "log"])

            let two =
                one + """

                      - name: invite-joiners
                        on: member.joined
                        do: [ { invite: { organization: acme-labelers, email: "{{member.email}}" } } ]
                      - name: also-log
                        on: member.joined
                        do: [ { log: { message: "two" } } ]
                    """
            try (Self.config(rules: two, every: "2m") + "\nstore: { sqlite: \"\(store)\" }\n").write(toFile: path, atomically: true, encoding: .utf8)
            let applied = reloader.reload()
            #expect(applied == ConfigReloader.Outcome(applied: true, restartNeeded: ["pollers"]))
            #expect(assembly.dispatcher.rules.current.count == 3)

            try (Self.config(rules: two + "\n    typo: true") + "\nstore: { sqlite: \"\(store)\" }\n").write(
                toFile: path,
                atomically: true,
                encoding: .utf8
            )
            let refused = reloader.reload()
            #expect(!refused.applied)
            #expect(refused.problems.contains { $0.contains("bot.yaml:") && $0.contains("typo") }, "\(refused.problems)")
            #expect(assembly.dispatcher.rules.current.count == 3, "the running rules stay")
            #expect(logs.entries.contains { "\($0.message)" == "Config reload refused; the running config stays" })
        }
    }

    /// A rotated secret is a change like any other: the reload says the section needs a restart (the
    /// running bot keeps the old key until then), and names only the section.
    @Test func aChangedSecretNeedsARestart() throws {
        func loaded(key: String, secret: String, every: String = "1m") throws -> BotConfiguration {
            let yaml = """
                api: { api_key: "\(key)" }
                listener:
                  plain_http: true
                  verify: { scheme: avala, secrets: ["\(secret)"] }
                pollers:
                  members: { organization: acme-ai, every: \(every) }
                """
            let result = ConfigLoader(environment: [:]).load(yaml: yaml, file: "bot.yaml")
            #expect(result.errors.isEmpty, "\(result.errors)")
            return result.configuration
        }
        let running = try loaded(key: "avk_one", secret: "whsec_one")
        #expect(ConfigReloader.sectionsNeedingRestart(running, try loaded(key: "avk_one", secret: "whsec_one")).isEmpty)
        #expect(ConfigReloader.sectionsNeedingRestart(running, try loaded(key: "avk_two", secret: "whsec_one")) == ["api"])
        #expect(ConfigReloader.sectionsNeedingRestart(running, try loaded(key: "avk_one", secret: "whsec_two")) == ["listener"])
        #expect(ConfigReloader.sectionsNeedingRestart(running, try loaded(key: "avk_one", secret: "whsec_one", every: "2m")) == ["pollers"])
    }
}
