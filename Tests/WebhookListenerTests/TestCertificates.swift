import Foundation
import Testing

/// A self-signed certificate for localhost and 127.0.0.1, made with `openssl req -x509` in a temp dir.
struct TestCertificates: Sendable {
    let directory: URL
    var certificatePath: String { directory.appendingPathComponent("server.crt").path }
    var keyPath: String { directory.appendingPathComponent("server.key").path }
    var clientCertificatePath: String { directory.appendingPathComponent("client.crt").path }
    var clientKeyPath: String { directory.appendingPathComponent("client.key").path }

    static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("listener-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        try run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", certificates.keyPath, "-out", certificates.certificatePath,
        ])
        try run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=avala-sender", "-keyout", certificates.clientKeyPath, "-out", certificates.clientCertificatePath,
        ])
        return certificates
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "openssl \(arguments.joined(separator: " ")) failed")
    }
}
