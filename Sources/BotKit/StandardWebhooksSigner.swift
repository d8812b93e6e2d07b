import Crypto
public import Foundation

/// Signs outgoing deliveries the Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), for plugins that POST to
/// receivers (`forward`, the alert plugin's `webhook` receiver).
///
/// ```swift
/// let signer = try StandardWebhooksSigner(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
/// let headers = signer.headers(id: "msg_1", timestamp: Date(), body: body)
/// ```
public struct StandardWebhooksSigner: Sendable {
    private let key: SymmetricKey

    /// - Parameter secret: `whsec_` followed by base64, as Standard Webhooks writes keys.
    /// - Throws: ``PluginConfigError`` (key `secret`) when the secret is not `whsec_` base64; the message
    ///   never quotes the secret.
    public init(secret: String) throws(PluginConfigError) {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let data = Data(base64Encoded: encoded), !data.isEmpty else {
            throw PluginConfigError(key: "secret", "expected a Standard Webhooks secret: whsec_ followed by base64")
        }
        key = SymmetricKey(data: data)
    }

    /// The three headers for `body`, sent at `timestamp` with delivery id `id`.
    public func headers(id: String, timestamp: Date, body: Data) -> [String: String] {
        let seconds = Int64(timestamp.timeIntervalSince1970.rounded(.down))
        return [
            "webhook-id": id,
            "webhook-timestamp": String(seconds),
            "webhook-signature": "v1," + signature(id: id, timestamp: seconds, body: body),
        ]
    }

    /// The base64 signature alone.
    public func signature(id: String, timestamp seconds: Int64, body: Data) -> String {
        var signed = Data("\(id).\(seconds).".utf8)
        signed.append(body)
        return Data(HMAC<SHA256>.authenticationCode(for: signed, using: key)).base64EncodedString()
    }
}
