import Foundation

extension WebhookVerification {
    /// Fewer key bytes than this make a secret that can be guessed: one signed delivery is enough to try
    /// candidates offline, as fast as HMAC-SHA256 runs. The Standard Webhooks spec asks for 24 to 64.
    public static let recommendedKeyBytes = 16

    /// The indices of ``secrets`` whose key (the bytes the HMAC is keyed with: a `standard-webhooks`
    /// secret's decoded `whsec_` key, another scheme's text) is shorter than ``recommendedKeyBytes``.
    /// Not refused, only reported: configs that work must keep loading. A `none` path checks no
    /// signature, and an empty secret or one that does not decode is refused already: none is listed.
    public var shortSecretIndices: [Int] {
        guard scheme != .none else { return [] }
        return secrets.indices.filter { index in
            guard !secrets[index].value.isEmpty, let key = SignatureVerifier.keyBytes(of: secrets[index], scheme: scheme) else { return false }
            return key.count < Self.recommendedKeyBytes
        }
    }
}
