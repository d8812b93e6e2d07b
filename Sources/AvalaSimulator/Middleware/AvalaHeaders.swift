import HTTPTypes

/// Header names of the Avala API and its webhooks.
enum AvalaHeaders {
    static let apiKey = HTTPField.Name("X-Avala-Api-Key")!
    static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("X-RateLimit-Reset")!
    static let retryAfter = HTTPField.Name("Retry-After")!
    static let webhookSignature = "X-Avala-Webhook-Signature"
    static let webhookEvent = "X-Avala-Webhook-Event"
    static let webhookDelivery = "X-Avala-Webhook-Delivery"
}
