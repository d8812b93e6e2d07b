import Foundation
import TestSupport

/// What a test of the `avala-bot` process needs around it: a running simulator for the API, a
/// certificate for the listener, and a temp directory with the config, the store and the log, all
/// removed afterwards. Every process started here uses the same files, so a restart finds the store.
struct BotProcessFixture: Sendable {
    static let webhookSecret = "process-test-secret"

    let directory: URL
    let certificates: TestCertificates
    let environment: [String: String]
    var configPath: String { directory.appendingPathComponent("avala-bot.yaml").path }
    var storePath: String { directory.appendingPathComponent("avala-bot.sqlite").path }
    var logPath: String { directory.appendingPathComponent("avala-bot.log").path }

    static func with(_ body: @Sendable (BotProcessFixture) async throws -> Void) async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await SimulatorHarness.with { harness in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("process-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let fixture = BotProcessFixture(
                directory: directory,
                certificates: certificates,
                environment: [
                    "AVALA_API_KEY": harness.apiKey, "AVALA_BASE_URL": harness.baseURL, "AVALA_ALLOW_INSECURE_BASE_URL": "1",
                    "HOOK_SECRET": webhookSecret,
                ]
            )
            try fixture.config.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
            try await body(fixture)
        }
    }

    /// Starts `avala-bot run` on this fixture's config; its output is appended to ``logPath``.
    func start() async throws -> BotProcess {
        try await BotProcess(configPath: configPath, environment: environment, logPath: logPath)
    }

    /// Writes a config whose one rule runs an exec action that outlasts any test (it sleeps 300 s) for
    /// each delivery, with `shutdownGrace` for the drain: what the stop tests interrupt.
    /// - Returns: the file the action creates once it runs.
    func writeSlowActionConfig(shutdownGrace: String) throws -> String {
        let started = directory.appendingPathComponent("started").path
        let script = directory.appendingPathComponent("slow-action").path
        try "#!/bin/sh\ntouch '\(started)'\nexec sleep 300\n".write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        try """
        listener:
          bind: "127.0.0.1:0"
          path: /webhooks/avala
          verify: { scheme: avala, secrets: ["${HOOK_SECRET}"] }
          tls: { cert: "\(certificates.certificatePath)", key: "\(certificates.keyPath)" }
        store: { sqlite: "\(storePath)" }
        dispatcher: { shutdown_grace: \(shutdownGrace) }
        plugins:
          exec:
            commands:
              slow: { path: "\(script)", timeout: 10m }
        rules:
          - { name: slow, on: bench.ping, do: [{ exec: { command: slow } }] }
        log: { level: info, format: logfmt }
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        return started
    }

    /// The listener as in production, on an ephemeral loopback port, with the per-IP limit lifted (every
    /// sender is 127.0.0.1) and no rules: the dispatcher still claims and finishes every event.
    private var config: String {
        """
        listener:
          bind: "127.0.0.1:0"
          path: /webhooks/avala
          verify: { scheme: avala, secrets: ["${HOOK_SECRET}"] }
          tls: { cert: "\(certificates.certificatePath)", key: "\(certificates.keyPath)" }
          per_ip: { rate_per_second: 100000, burst: 100000 }
        store: { sqlite: "\(storePath)" }
        dispatcher: { shutdown_grace: 5s }
        rules: []
        log: { level: info, format: logfmt }
        """
    }
}
