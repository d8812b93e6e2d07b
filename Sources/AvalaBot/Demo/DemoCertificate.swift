import Crypto
import Foundation
import SwiftASN1
import X509

/// A throwaway certificate authority and a `localhost` / `127.0.0.1` server certificate it signed,
/// written as PEM files: what the demo's TLS listener serves and what the simulator's webhook sender
/// trusts. Made on the spot, valid for a day, never reused.
struct DemoCertificate {
    /// Past the listener's expiry warning (14 days): the demo's throwaway certificate must not read as a
    /// renewal the user missed.
    static let lifetime: TimeInterval = 30 * 86_400

    let directory: String
    let caPEM: String
    var certificatePath: String { directory + "/tls.crt" }
    var keyPath: String { directory + "/tls.key" }
    /// The CA alone, for `curl --cacert`.
    var caPath: String { directory + "/ca.crt" }

    static func generate(in directory: String, now: Date = Date()) throws -> DemoCertificate {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("avala-bot demo")
            CommonName("avala-bot demo CA")
        }
        let ca = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(caKey.publicKey),
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(Self.lifetime),
            issuer: caName,
            subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey)
        )
        let serverKey = P256.Signing.PrivateKey()
        let server = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(serverKey.publicKey),
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(Self.lifetime),
            issuer: caName,
            subject: try DistinguishedName { CommonName("localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey)
        )
        let caPEM = try ca.serializeAsPEM().pemString
        let chain = try server.serializeAsPEM().pemString + "\n" + caPEM + "\n"
        let certificate = DemoCertificate(directory: directory, caPEM: caPEM)
        try chain.write(toFile: certificate.certificatePath, atomically: true, encoding: .utf8)
        try (caPEM + "\n").write(toFile: certificate.caPath, atomically: true, encoding: .utf8)
        try (serverKey.pemRepresentation + "\n").write(toFile: certificate.keyPath, atomically: true, encoding: .utf8)
        // The key is a secret even in a demo: readable by its owner only.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: certificate.keyPath)
        return certificate
    }
}
