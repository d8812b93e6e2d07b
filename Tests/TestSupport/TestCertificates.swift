public import Foundation

/// A self-signed certificate for localhost and 127.0.0.1, made with `openssl req -x509` in a temp dir,
/// and a client certificate for mTLS (self-signed too; ``makeClientAuthority(_:)`` makes one signed by a CA).
public struct TestCertificates: Sendable {
    /// `openssl` exited with an error, or could not be started.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let directory: URL
    public var certificatePath: String { directory.appendingPathComponent("server.crt").path }
    public var keyPath: String { directory.appendingPathComponent("server.key").path }
    public var clientCertificatePath: String { directory.appendingPathComponent("client.crt").path }
    public var clientKeyPath: String { directory.appendingPathComponent("client.key").path }

    /// - Parameter days: how long the server certificate is valid from now (the client one, 2 days).
    public static func make(days: Int = 2) async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("listener-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        try await run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "\(days)",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", certificates.keyPath, "-out", certificates.certificatePath,
        ])
        try await run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=avala-sender", "-keyout", certificates.clientKeyPath, "-out", certificates.clientCertificatePath,
        ])
        return certificates
    }

    /// A CA and a client certificate it signed, for mTLS: ``caPath`` is a bundle for `listener.tls.client_ca`.
    public struct ClientAuthority: Sendable {
        public let caPath: String
        public let clientCertificatePath: String
        public let clientKeyPath: String
    }

    /// A new CA named `name` in ``directory``, and a client certificate (`CN=<name>-client`, for client
    /// authentication only) signed by it.
    public func makeClientAuthority(_ name: String) async throws -> ClientAuthority {
        func path(_ file: String) -> String { directory.appendingPathComponent("\(name)-\(file)").path }
        let authority = ClientAuthority(
            caPath: path("ca.crt"),
            clientCertificatePath: path("client.crt"),
            clientKeyPath: path("client.key")
        )
        try await Self.run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=\(name)-ca", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", path("ca.key"), "-out", authority.caPath,
        ])
        try await Self.run([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-subj", "/CN=\(name)-client", "-keyout", authority.clientKeyPath, "-out", path("client.csr"),
        ])
        try "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n".write(toFile: path("client.ext"), atomically: true, encoding: .utf8)
        try await Self.run([
            "x509", "-req", "-in", path("client.csr"), "-CA", authority.caPath, "-CAkey", path("ca.key"),
            "-CAcreateserial", "-days", "2", "-extfile", path("client.ext"), "-out", authority.clientCertificatePath,
        ])
        return authority
    }

    /// A certificate for ``keyPath`` that expired a day ago, written at `path`: what a renewal job that
    /// copied an old file leaves behind.
    public func makeExpiredCertificate(at path: String) async throws {
        let request = directory.appendingPathComponent("expired-\(UUID().uuidString).csr").path
        try await Self.run(["req", "-new", "-key", keyPath, "-subj", "/CN=localhost", "-out", request])
        try await Self.run(["x509", "-req", "-in", request, "-signkey", keyPath, "-days", "-1", "-out", path])
    }

    /// Runs `/usr/bin/openssl` with `arguments`, for a test that needs a file in another form.
    public static func openssl(_ arguments: [String]) async throws {
        try await run(arguments)
    }

    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Suspends while openssl runs (see ``ChildProcess/run(_:_:in:environment:includingErrors:)``): TLS tests make
    /// certificates by the dozen at once.
    private static func run(_ arguments: [String]) async throws {
        let result: ChildProcess.Result
        do {
            result = try await ChildProcess.run("/usr/bin/openssl", arguments, includingErrors: true)
        } catch {
            throw Failure(description: "cannot start /usr/bin/openssl: \(error)")
        }
        guard result.status == 0 else {
            throw Failure(description: "openssl \(arguments.joined(separator: " ")) exited with \(result.status):\n\(result.output)")
        }
    }
}
