import Foundation
import TestSupport
import Testing

/// A port another process holds: `run` and `simulator` end with one line naming the setting and the
/// address, not NIO's `bind(descriptor:ptr:bytes:)` text.
@Suite struct PortInUseTests {
    /// The simulator the fixture runs for the API holds its port: the one these tests bind to.
    static func busyPort(_ fixture: BotProcessFixture) throws -> Int {
        let base = try #require(fixture.environment["AVALA_BASE_URL"])
        return try #require(base.firstMatch(of: /127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) }, "\(base)")
    }

    @Test func theListenerNamesListenerBindAndTheAddress() async throws {
        try await BotProcessFixture.with { fixture in
            let port = try Self.busyPort(fixture)
            let config = fixture.directory.appendingPathComponent("busy.yaml").path
            try """
            listener:
              bind: "127.0.0.1:\(port)"
              verify: { scheme: avala, secrets: ["${HOOK_SECRET}"] }
              tls: { cert: "\(fixture.certificates.certificatePath)", key: "\(fixture.certificates.keyPath)" }
            store: { sqlite: "\(fixture.storePath)" }
            rules: []
            """.write(toFile: config, atomically: true, encoding: .utf8)
            let result = try await CommandProcess.run(["run", "--config", config], environment: fixture.environment)
            #expect(result.exit == .status(1), "\(result.errors)")
            #expect(result.errors.contains("Error: listener.bind 127.0.0.1:\(port): address already in use"), "\(result.errors)")
            #expect(!result.errors.contains("errno"), "\(result.errors)")
            #expect(!result.errors.contains("Fatal error"), "\(result.errors)")
        }
    }

    @Test func theSimulatorNamesItsPort() async throws {
        try await BotProcessFixture.with { fixture in
            let port = try Self.busyPort(fixture)
            let result = try await CommandProcess.run(["simulator", "--port", "\(port)"])
            #expect(result.exit == .status(1), "\(result.errors)")
            #expect(result.errors.hasPrefix("Error: --port 127.0.0.1:\(port): address already in use"), "\(result.errors)")
            #expect(!result.errors.contains("errno"), "\(result.errors)")
        }
    }
}
