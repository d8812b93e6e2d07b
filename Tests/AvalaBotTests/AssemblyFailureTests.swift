import Foundation
import Logging
import Testing

@testable import AvalaBot

/// A start that fails after the bot's HTTP clients exist ends with its own error, releases the store,
/// and does not stop the process: a client dropped without its shutdown is a fatal error.
@Suite struct AssemblyFailureTests {
    @Test func aMissingCertificateFailsTheStartWithItsMessage() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("assembly-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let yaml = """
            api: { api_key: avk_test, base_url: "https://api.example.com/api/v1" }
            store: { sqlite: "\(directory.path)/bot.sqlite" }
            listener:
              bind: 127.0.0.1:0
              tls: { cert: "\(directory.path)/missing.crt", key: "\(directory.path)/missing.key" }
              verify: { secrets: [s3cret] }
            """
        let loaded = ConfigLoader(environment: [:]).load(yaml: yaml, file: "bot.yaml")
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        for _ in 0..<2 {
            // The second attempt gets past the store's lock: the first released it.
            let error = await #expect(throws: (any Error).self) {
                try await BotAssembly.build(loaded, environment: [:], logger: Logger(label: "assembly-test"))
            }
            #expect("\(error.map { "\($0)" } ?? "")".contains("missing.crt"))
        }
    }
}
