import BotEngine
import Foundation
import Logging
import TestSupport
import Testing
import WebhookListener

/// `run` names the key and what is wrong with its file, as `check-config` does, not swift-nio-ssl's
/// error case.
@Suite struct TLSFileMessageTests {
    @Test func aListenerThatCannotLoadItsFilesSaysWhichKeyAndWhy() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let logger = Logger(label: "test")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("listener-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteEventStore(path: path, logger: logger)
        defer { try? store.close() }
        func failure(cert: String, key: String) -> String? {
            var configuration = ListenerHarness.plainConfiguration()
            configuration.plainHTTP = false
            configuration.tls = WebhookTLS(certificateChainPath: cert, privateKeyPath: key)
            let error = #expect(throws: WebhookListenerError.self) {
                try WebhookListener(configuration: configuration, store: store, logger: logger)
            }
            return error?.description
        }
        let missing = certificates.directory.appendingPathComponent("missing.crt").path
        #expect(failure(cert: missing, key: certificates.keyPath) == "listener.tls.cert: '\(missing)': no such file")
        #expect(
            failure(cert: certificates.keyPath, key: certificates.keyPath)
                == "listener.tls.cert: '\(certificates.keyPath)' is not a PEM certificate (it holds a private key: is it listener.tls.key's file?)"
        )
        #expect(
            failure(cert: certificates.certificatePath, key: certificates.certificatePath)
                == "listener.tls.key: '\(certificates.certificatePath)' is not a PEM private key (it holds a certificate: is it listener.tls.cert's file?)"
        )
    }

    /// A certificate outside its validity fails every handshake: `check-config` says so, with the time
    /// it ends (or starts), whichever side of it the clock is.
    @Test func aCertificateOutsideItsValidityIsAProblem() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let tls = WebhookTLS(certificateChainPath: certificates.certificatePath, privateKeyPath: certificates.keyPath)
        let path = certificates.certificatePath
        #expect(tls.fileProblems().isEmpty)
        // Made for two days from now: a day before it is not valid yet, three days after it has expired.
        let early = tls.fileProblems(now: Date().addingTimeInterval(-86_400)).map(\.description)
        #expect(early.count == 1)
        #expect(early.first?.hasPrefix("listener.tls.cert: '\(path)' is not valid until ") == true)
        let late = tls.fileProblems(now: Date().addingTimeInterval(3 * 86_400)).map(\.description)
        #expect(late.count == 1)
        #expect(late.first?.hasPrefix("listener.tls.cert: '\(path)' expired at ") == true)
        // A client CA bundle with no certificate valid then would refuse every client.
        let mutual = WebhookTLS(
            certificateChainPath: path,
            privateKeyPath: certificates.keyPath,
            clientCAPath: certificates.clientCertificatePath
        )
        #expect(mutual.fileProblems().isEmpty)
        let bundle = mutual.fileProblems(now: Date().addingTimeInterval(3 * 86_400)).map(\.description).filter {
            $0.hasPrefix("listener.tls.client_ca")
        }
        #expect(bundle.count == 1)
        #expect(bundle.first?.hasPrefix("listener.tls.client_ca: '\(certificates.clientCertificatePath)' holds no certificate valid now") == true)
        #expect(bundle.first?.hasSuffix(": every client would be refused") == true)
    }

    /// Files that hold the right thing in a form the listener cannot use are named for what they are:
    /// a key with a passphrase, a binary DER file, a chain whose server certificate is not first.
    @Test func aFileInAFormTheListenerCannotUseSaysWhatItIs() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        func path(_ name: String) -> String { certificates.directory.appendingPathComponent(name).path }
        func problems(cert: String = certificates.certificatePath, key: String = certificates.keyPath) -> [String] {
            WebhookTLS(certificateChainPath: cert, privateKeyPath: key).fileProblems().map(\.description)
        }
        try await TestCertificates.openssl(["pkcs8", "-topk8", "-in", certificates.keyPath, "-out", path("pkcs8.key"), "-passout", "pass:hunter2"])
        try await TestCertificates.openssl([
            "ec", "-in", certificates.keyPath, "-aes256", "-out", path("traditional.key"), "-passout", "pass:hunter2",
        ])
        for encrypted in [path("pkcs8.key"), path("traditional.key")] {
            #expect(
                problems(key: encrypted) == [
                    "listener.tls.key: '\(encrypted)' is encrypted with a passphrase, which the listener cannot give: write it unencrypted (`openssl pkey -in \(encrypted) -out \(encrypted).plain`, readable by the bot only)"
                ]
            )
        }
        try await TestCertificates.openssl(["x509", "-in", certificates.certificatePath, "-outform", "DER", "-out", path("server.der")])
        try await TestCertificates.openssl(["pkey", "-in", certificates.keyPath, "-outform", "DER", "-out", path("server-key.der")])
        #expect(
            problems(cert: path("server.der")) == [
                "listener.tls.cert: '\(path("server.der"))' is not a PEM certificate (it is binary DER: convert it with `openssl x509 -inform DER -in \(path("server.der")) -out \(path("server.der")).pem`)"
            ]
        )
        #expect(
            problems(key: path("server-key.der")) == [
                "listener.tls.key: '\(path("server-key.der"))' is not a PEM private key (it is binary DER: convert it with `openssl pkey -inform DER -in \(path("server-key.der")) -out \(path("server-key.der")).pem`)"
            ]
        )
        // The chain written root (here another certificate) first: the order is wrong, not the key.
        let reversed = path("reversed.crt")
        let chain =
            try String(contentsOfFile: certificates.clientCertificatePath, encoding: .utf8)
            + String(contentsOfFile: certificates.certificatePath, encoding: .utf8)
        try chain.write(toFile: reversed, atomically: true, encoding: .utf8)
        #expect(
            problems(cert: reversed) == [
                "listener.tls.cert: '\(reversed)' has the certificate of listener.tls.key '\(certificates.keyPath)' in position 2, not first: put the server's own certificate first, then its intermediates"
            ]
        )
        // A key of no certificate in the file is still the wrong key.
        #expect(
            problems(key: certificates.clientKeyPath) == [
                "listener.tls.key: '\(certificates.clientKeyPath)' is not the key of the certificate in listener.tls.cert '\(certificates.certificatePath)'"
            ]
        )
    }
}
