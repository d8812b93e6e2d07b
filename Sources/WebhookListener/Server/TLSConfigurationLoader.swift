import Foundation
import NIOCore
import NIOSSL

/// Builds the server's `TLSConfiguration` from `listener.tls`.
///
/// swift-nio-ssl accepts TLS 1.0 unless told otherwise, so the minimum is always set here; TLS 1.2 is
/// limited to ECDHE with AEAD ciphers (TLS 1.3 suites are all modern).
enum TLSConfigurationLoader {
    static let modernTLS12Ciphers = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// How long a closing connection waits for the client's close_notify before closing anyway.
    static let closeNotifyWait: TimeAmount = .milliseconds(500)

    /// The server configuration; the certificate and key come from `certificate` at each handshake.
    ///
    /// - Parameter clientCA: the roots of `listener.tls.client_ca` (``clientCA(_:)``); with them, every
    ///   client must present a certificate that chains to one of them.
    static func load(_ tls: WebhookTLS, certificate: ReloadableCertificate, clientCA: [NIOSSLCertificate]?) -> TLSConfiguration {
        let pair = certificate.pair
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: pair.chain.map { .certificate($0) },
            privateKey: .privateKey(pair.key)
        )
        configuration.sslContextCallback = certificate.contextCallback
        configuration.minimumTLSVersion = tls.minimumVersion == .tls13 ? .tlsv13 : .tlsv12
        configuration.cipherSuites = modernTLS12Ciphers
        // On graceful shutdown the listener closes idle keep-alive connections with a close_notify and
        // then waits this long for the client's; many clients never send one, and the default 5 s held
        // up every stop (and reload of the process) by that much.
        configuration.shutdownTimeout = Self.closeNotifyWait
        if let clientCA {
            // A client certificate is required and must chain to the bundle; clients have no host name to check.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(clientCA)
        }
        return configuration
    }

    /// The certificates of the client CA bundle at `path` (`listener.tls.client_ca`).
    ///
    /// - Throws: ``WebhookListenerError`` when the file is missing, holds no certificate or none valid now
    ///   (a bundle that would refuse every client), or one that does not parse (a file cut short included).
    static func clientCA(_ path: String, now: Date = Date()) throws(WebhookListenerError) -> [NIOSSLCertificate] {
        let roots: [NIOSSLCertificate]
        do {
            roots = try WebhookTLS.certificates(at: path, key: "client_ca")
        } catch {
            throw WebhookListenerError(.tls, error.description)
        }
        if let problem = WebhookTLS.noneValid(roots: roots, path: path, now: now) {
            throw WebhookListenerError(.tls, problem.description)
        }
        // Never empty: `certificates(at:key:)` refuses a file without one.
        return roots
    }
}
