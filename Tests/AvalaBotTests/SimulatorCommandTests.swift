import ArgumentParser
import AvalaSimulator
import Foundation
import TestSupport
import Testing

@testable import AvalaBot

/// `avala-bot simulator --trust-ca`: the CA a self-signed listener's certificate chains to, so the
/// simulator's webhook deliveries reach it over https.
@Suite struct SimulatorCommandTests {
    @Test func aTrustedCAIsReadAtStartAndAFileWithoutOneIsRefused() async throws {
        let certificates = try await TestCertificates.make()
        defer { try? FileManager.default.removeItem(at: certificates.directory) }
        let command = try SimulatorCommand.parse(["--port", "0", "--trust-ca", certificates.certificatePath])
        let configuration = try command.simulatorConfiguration()
        let pem = try String(contentsOfFile: certificates.certificatePath, encoding: .utf8)
        #expect(configuration.webhookTrustRootsPEM == [pem])

        // The key file is PEM too, but holds no certificate.
        let wrong = try SimulatorCommand.parse(["--trust-ca", certificates.keyPath])
        let error = try #require(throws: CommandFailure.self) { try wrong.simulatorConfiguration() }
        #expect(error.description == "--trust-ca \(certificates.keyPath): no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)")
        let missing = try SimulatorCommand.parse(["--trust-ca", certificates.directory.appendingPathComponent("none.pem").path])
        #expect(throws: CommandFailure.self) { try missing.simulatorConfiguration() }
        #expect(try SimulatorCommand.parse([]).simulatorConfiguration().webhookTrustRootsPEM.isEmpty)
    }
}
