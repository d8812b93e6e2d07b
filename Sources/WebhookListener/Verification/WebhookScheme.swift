/// How a sender signs its deliveries (`…verify.scheme`).
public enum WebhookScheme: String, Sendable, CaseIterable {
    /// `X-Avala-Webhook-Signature`: hex HMAC-SHA256 of the raw body, optionally prefixed `sha256=`.
    case avala
    /// webhook-id / webhook-timestamp / webhook-signature, `whsec_` base64 keys, `v1,` signatures.
    case standardWebhooks = "standard-webhooks"
    /// `X-Hub-Signature-256: sha256=<hex>`.
    case github
    /// `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]` over `<t>.<body>`.
    case stripe
    /// No verification: only when the config names it explicitly.
    case none
}
