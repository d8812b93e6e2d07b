import NIOCore
import NIOSSL
import Synchronization

/// The listener's certificate chain and key, swappable while it serves: every TLS handshake asks for the
/// current pair (swift-nio-ssl's `sslContextCallback`), so a reload on SIGHUP takes effect for the next
/// connection without closing the listening socket or the connections already open.
final class ReloadableCertificate: Sendable {
    struct Pair: Sendable {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
    }

    private let current: Mutex<Pair>
    let tls: WebhookTLS

    init(_ tls: WebhookTLS) throws(WebhookListenerError) {
        self.tls = tls
        current = Mutex(try Self.load(tls))
    }

    var pair: Pair { current.withLock { $0 } }

    /// Reads the files again; on any error (a missing or broken file, a key that is not the
    /// certificate's) the served pair stays as it was.
    /// - Returns: the subject of the new leaf certificate, for the log.
    @discardableResult
    func reload() throws(WebhookListenerError) -> String {
        let pair = try Self.load(tls)
        current.withLock { $0 = pair }
        return pair.chain.first.map { String(describing: $0) } ?? ""
    }

    /// The callback that gives each handshake the current pair.
    var contextCallback: NIOSSLContextCallback {
        { [self] _, promise in
            let pair = self.pair
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = pair.chain.map { .certificate($0) }
            override.privateKey = .privateKey(pair.key)
            promise.succeed(override)
        }
    }

    static func load(_ tls: WebhookTLS) throws(WebhookListenerError) -> Pair {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(tls.certificateChainPath)
        } catch {
            throw WebhookListenerError(.tls, "cannot load listener.tls.cert '\(tls.certificateChainPath)': \(error)")
        }
        guard !chain.isEmpty else {
            throw WebhookListenerError(.tls, "listener.tls.cert '\(tls.certificateChainPath)' holds no certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: tls.privateKeyPath, format: .pem)
        } catch {
            // The key's content never goes into the message, only its path.
            throw WebhookListenerError(.tls, "cannot load listener.tls.key '\(tls.privateKeyPath)'")
        }
        // Only a TLS context checks that the key is the certificate's: without this, a reload between
        // two writes (the new certificate, the old key) would be installed, and every handshake after it
        // would fail.
        do {
            _ = try NIOSSLContext(
                configuration: .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            )
        } catch {
            throw WebhookListenerError(
                .tls,
                "listener.tls.key '\(tls.privateKeyPath)' is not the key of the certificate in listener.tls.cert '\(tls.certificateChainPath)'"
            )
        }
        return Pair(chain: chain, key: key)
    }
}
