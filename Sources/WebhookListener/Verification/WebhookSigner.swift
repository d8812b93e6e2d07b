import Crypto
public import Foundation

/// Signs a body the way a sender of each scheme does: for `avala-bot sign` (test deliveries with curl)
/// and for tests. The inverse of ``SignatureVerifier``.
///
/// ```swift
/// let headers = try WebhookSigner(scheme: .avala, secret: "s3cret")
///     .headers(for: body, event: "export.completed", deliveryID: "d-1", at: Date())
/// ```
public struct WebhookSigner: Sendable {
    public let scheme: WebhookScheme
    private let key: SymmetricKey

    /// - Throws: ``WebhookListenerError`` `invalidConfiguration` for a `standard-webhooks` secret that is
    ///   not `whsec_` base64, or for the `none` scheme.
    public init(scheme: WebhookScheme, secret: String) throws(WebhookListenerError) {
        self.scheme = scheme
        switch scheme {
        case .none:
            throw WebhookListenerError(.invalidConfiguration, "the none scheme has nothing to sign")
        case .standardWebhooks:
            let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
            guard let data = Data(base64Encoded: encoded) else {
                throw WebhookListenerError(.invalidConfiguration, "a standard-webhooks secret is whsec_ followed by base64")
            }
            key = SymmetricKey(data: data)
        default:
            key = SymmetricKey(data: Data(secret.utf8))
        }
    }

    /// The headers a sender of this scheme would send with `body`, in a stable order.
    public func headers(for body: [UInt8], event: String, deliveryID: String, at time: Date) -> [(String, String)] {
        let timestamp = Int64(time.timeIntervalSince1970)
        switch scheme {
        case .avala:
            return [
                ("X-Avala-Webhook-Signature", SignatureVerifier.hex(mac(body))), ("X-Avala-Webhook-Event", event),
                ("X-Avala-Webhook-Delivery", deliveryID),
            ]
        case .standardWebhooks:
            let signed = Array("\(deliveryID).\(timestamp).".utf8) + body
            return [
                ("webhook-id", deliveryID), ("webhook-timestamp", String(timestamp)),
                ("webhook-signature", "v1," + Data(mac(signed)).base64EncodedString()),
            ]
        case .github:
            return [
                ("X-Hub-Signature-256", "sha256=" + SignatureVerifier.hex(mac(body))), ("X-GitHub-Event", event), ("X-GitHub-Delivery", deliveryID),
            ]
        case .stripe:
            return [("Stripe-Signature", "t=\(timestamp),v1=" + SignatureVerifier.hex(mac(Array("\(timestamp).".utf8) + body)))]
        case .none:
            return []
        }
    }

    private func mac(_ bytes: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key))
    }
}
