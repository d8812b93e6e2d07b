import Foundation
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

    /// Reads the files again; on any error (a missing or broken file, a certificate expired or not
    /// valid yet, a key that is not the certificate's) the served pair stays as it was.
    /// - Returns: the new leaf certificate as ``summary(_:)`` gives it, for the log, and whether the chain
    ///   differs from the one served until now (every SIGHUP reads the files, most find them as they were).
    @discardableResult
    func reload() throws(WebhookListenerError) -> (summary: String, changed: Bool) {
        let pair = try Self.load(tls)
        let changed = current.withLock { current in
            defer { current = pair }
            // Certificates compare by their DER bytes: a new serial or any other field is a change.
            return current.chain != pair.chain
        }
        return (pair.chain.first.map(Self.summary) ?? "", changed)
    }

    /// When the served leaf certificate stops being valid (its notAfter).
    var notValidAfter: Date? {
        pair.chain.first?.validUntil
    }

    /// The leaf as an operator reads it in the log: `serial 1a2b…, valid until 2027-03-01T00:00:00Z`.
    static func summary(_ certificate: NIOSSLCertificate) -> String {
        let serial = certificate.serialNumber.map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined()
        let until = certificate.validUntil
        return "serial \(serial), valid until \(until.formatted(.iso8601))"
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

    /// The same checks and messages as `check-config` (``WebhookTLS/fileProblems()``), so `run` names
    /// the key and what is wrong with its file.
    static func load(_ tls: WebhookTLS, now: Date = Date()) throws(WebhookListenerError) -> Pair {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try WebhookTLS.certificates(at: tls.certificateChainPath, key: "cert")
            key = try WebhookTLS.privateKey(at: tls.privateKeyPath)
        } catch {
            throw WebhookListenerError(.tls, error.description)
        }
        if let problem = WebhookTLS.outsideValidity(chain: chain, path: tls.certificateChainPath, now: now) {
            throw WebhookListenerError(.tls, problem.description)
        }
        // Only a TLS context checks that the key is the certificate's: without this, a reload between
        // two writes (the new certificate, the old key) would be installed, and every handshake after it
        // would fail.
        if let problem = WebhookTLS.mismatch(chain: chain, key: key, certificatePath: tls.certificateChainPath, keyPath: tls.privateKeyPath) {
            throw WebhookListenerError(.tls, problem.description)
        }
        return Pair(chain: chain, key: key)
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
