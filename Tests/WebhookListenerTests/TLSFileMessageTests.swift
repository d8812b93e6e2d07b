import BotEngine
import Foundation
import Logging
import TestSupport
import Testing
import WebhookListener

/// `run` names the key and what is wrong with its file, as `check-config` does, not swift-nio-ssl's
/// error case.
@Suite struct TLSFileMessageTests {
    @Test func aListenerThatCannotLoadItsFilesSaysWhichKeyAndWhy() throws {
        let certificates = try TestCertificates.make()
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
    @Test func aCertificateOutsideItsValidityIsAProblem() throws {
        let certificates = try TestCertificates.make()
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
    }
}
