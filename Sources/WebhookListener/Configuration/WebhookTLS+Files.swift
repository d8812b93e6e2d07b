public import Foundation
import NIOSSL

extension WebhookTLS {
    /// One of `listener.tls`'s files that the listener could not use: `key` is `cert`, `key` or
    /// `client_ca`; `message` says what is wrong with the file, never what is in it.
    public struct FileProblem: Hashable, Sendable, CustomStringConvertible {
        public var key: String
        public var message: String

        public var description: String { "listener.tls.\(key): \(message)" }
    }

    /// Reads the certificate chain, the key and the client CA bundle as the listener will, and says what
    /// is wrong with each: `check-config` reports these with the key's line instead of `run` failing.
    ///
    /// - Parameter now: the time the certificate must be valid at.
    /// - Returns: every problem found; empty when the listener could load them all.
    public func fileProblems(now: Date = Date()) -> [FileProblem] {
        var problems: [FileProblem] = []
        var chain: [NIOSSLCertificate]?
        var key: NIOSSLPrivateKey?
        do {
            chain = try Self.certificates(at: certificateChainPath, key: "cert")
        } catch {
            problems.append(error)
        }
        if let chain, let problem = Self.outsideValidity(chain: chain, path: certificateChainPath, now: now) {
            problems.append(problem)
        }
        do {
            key = try Self.privateKey(at: privateKeyPath)
        } catch {
            problems.append(error)
        }
        if let chain, let key, let problem = Self.mismatch(chain: chain, key: key, certificatePath: certificateChainPath, keyPath: privateKeyPath) {
            problems.append(problem)
        }
        if let clientCAPath {
            do {
                let roots = try Self.certificates(at: clientCAPath, key: "client_ca")
                if let problem = Self.noneValid(roots: roots, path: clientCAPath, now: now) { problems.append(problem) }
            } catch {
                problems.append(error)
            }
        }
        return problems
    }

    /// The served certificate's end when it is near, as a warning: the running listener warns from
    /// ``CertificateExpiryNotice/warningWindow`` before it (``CertificateExpiryNotice``), and
    /// `check-config` says the same, so a renewal that stopped working is seen before a deploy, not after.
    ///
    /// - Parameter now: the time the certificate's remaining validity is counted from.
    /// - Returns: nil when the file cannot be read (``fileProblems(now:)`` says why), when the
    ///   certificate is not valid at `now` (an error there), or when its end is further away.
    public func expiryWarning(now: Date = Date()) -> FileProblem? {
        guard let leaf = (try? Self.certificates(at: certificateChainPath, key: "cert"))?.first else { return nil }
        let notBefore = leaf.validFrom
        let notAfter = leaf.validUntil
        let left = notAfter.timeIntervalSince(now)
        guard now >= notBefore, left > 0, CertificateExpiryNotice.isNear(left) else { return nil }
        return FileProblem(
            key: "cert",
            message:
                "'\(certificateChainPath)' expires at \(notAfter.formatted(.iso8601)), in \(CertificateExpiryNotice.format(left: left)): renew it, then send SIGHUP to a running bot"
        )
    }

    /// The PEM certificates in the file at `path`, for `listener.tls.<key>`.
    static func certificates(at path: String, key: String) throws(FileProblem) -> [NIOSSLCertificate] {
        let content = try Self.read(path, key: key)
        let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(content))
        guard let certificates, !certificates.isEmpty else {
            let hint =
                if Self.holds("PRIVATE KEY", in: content) {
                    " (it holds a private key: is it listener.tls.key's file?)"
                } else if Self.isDER(content) {
                    " (it is binary DER: convert it with `openssl x509 -inform DER -in \(path) -out \(path).pem`)"
                } else {
                    ""
                }
            throw FileProblem(key: key, message: "'\(path)' is not a PEM certificate\(hint)")
        }
        return certificates
    }

    /// Whether the chain's first certificate, the one the listener serves as its own, is valid at `now`.
    /// Clients refuse an expired certificate (or one not valid yet) at every handshake, so such a file
    /// would take the listener down as surely as a missing one: at start, and at a reload that swaps it in.
    static func outsideValidity(chain: [NIOSSLCertificate], path: String, now: Date) -> FileProblem? {
        guard let leaf = chain.first else { return nil }
        let notBefore = leaf.validFrom
        let notAfter = leaf.validUntil
        if now > notAfter {
            return FileProblem(
                key: "cert",
                message: "'\(path)' expired at \(notAfter.formatted(.iso8601)): every client would refuse it; renew it"
            )
        }
        if now < notBefore {
            return FileProblem(
                key: "cert",
                message:
                    "'\(path)' is not valid until \(notBefore.formatted(.iso8601)): clients would refuse it until then (is this machine's clock right?)"
            )
        }
        return nil
    }

    /// Whether no certificate of the client CA bundle is valid at `now`: a chain is checked up to its
    /// root, dates included, so such a bundle would refuse every client. One expired CA beside a valid
    /// one (a rotation under way) is fine.
    static func noneValid(roots: [NIOSSLCertificate], path: String, now: Date) -> FileProblem? {
        let valid = roots.contains { root in
            root.validFrom <= now && now <= root.validUntil
        }
        guard !valid, let latest = roots.map(\.validUntil).max() else { return nil }
        let until = latest.formatted(.iso8601)
        return FileProblem(
            key: "client_ca",
            message:
                "'\(path)' holds no certificate valid now (the last one expires or expired at \(until)): every client would be refused"
        )
    }

    /// The PEM private key in the file at `path` (`listener.tls.key`).
    static func privateKey(at path: String) throws(FileProblem) -> NIOSSLPrivateKey {
        let content = try Self.read(path, key: "key")
        guard let key = try? NIOSSLPrivateKey(bytes: Array(content), format: .pem) else {
            // A passphrase-protected key is a PEM private key, just not one the listener can open: saying
            // "not a PEM private key" of it sends the operator looking for the wrong file.
            if Self.holds("ENCRYPTED PRIVATE KEY", in: content) || Self.text(content)?.contains("Proc-Type: 4,ENCRYPTED") == true {
                throw FileProblem(
                    key: "key",
                    message:
                        "'\(path)' is encrypted with a passphrase, which the listener cannot give: write it unencrypted (`openssl pkey -in \(path) -out \(path).plain`, readable by the bot only)"
                )
            }
            let hint =
                if Self.holds("CERTIFICATE", in: content) {
                    " (it holds a certificate: is it listener.tls.cert's file?)"
                } else if Self.isDER(content) {
                    " (it is binary DER: convert it with `openssl pkey -inform DER -in \(path) -out \(path).pem`)"
                } else {
                    ""
                }
            throw FileProblem(key: "key", message: "'\(path)' is not a PEM private key\(hint)")
        }
        return key
    }

    /// Whether the key is the certificate's: only a TLS context checks it.
    static func mismatch(chain: [NIOSSLCertificate], key: NIOSSLPrivateKey, certificatePath: String, keyPath: String) -> FileProblem? {
        func fits(_ certificates: [NIOSSLCertificate]) -> Bool {
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: certificates.map { .certificate($0) },
                privateKey: .privateKey(key)
            )
            return (try? NIOSSLContext(configuration: configuration)) != nil
        }
        if fits(chain) { return nil }
        // The key of a certificate further down: the file is in the wrong order (the server's own
        // certificate must come first), not the wrong key.
        if let position = chain.indices.dropFirst().first(where: { fits([chain[$0]]) }) {
            return FileProblem(
                key: "cert",
                message:
                    "'\(certificatePath)' has the certificate of listener.tls.key '\(keyPath)' in position \(position + 1), not first: put the server's own certificate first, then its intermediates"
            )
        }
        return FileProblem(key: "key", message: "'\(keyPath)' is not the key of the certificate in listener.tls.cert '\(certificatePath)'")
    }

    private static func read(_ path: String, key: String) throws(FileProblem) -> Data {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileProblem(key: key, message: "'\(path)': no such file")
        }
        guard !isDirectory.boolValue else { throw FileProblem(key: key, message: "'\(path)' is a directory, not a PEM file") }
        guard files.isReadableFile(atPath: path), let content = files.contents(atPath: path) else {
            throw FileProblem(key: key, message: "'\(path)' is not readable by this user")
        }
        return content
    }

    /// Whether a PEM block of `label` is in the file (`-----BEGIN … PRIVATE KEY-----`).
    private static func holds(_ label: String, in content: Data) -> Bool {
        guard let text = text(content) else { return false }
        return text.split(separator: "\n").contains { $0.hasPrefix("-----BEGIN ") && $0.contains("\(label)-----") }
    }

    private static func text(_ content: Data) -> String? {
        String(data: content, encoding: .utf8)
    }

    /// Whether the file looks like DER: an ASN.1 SEQUENCE (0x30) that is not text.
    private static func isDER(_ content: Data) -> Bool {
        content.first == 0x30 && text(content) == nil
    }
}

extension WebhookTLS.FileProblem: Error {}
