public import Foundation

/// One delivery of a webhook event (`GET /webhook-deliveries/`).
public struct WebhookDelivery: Codable, Hashable, Sendable {
    public var uid: String
    public var subscription: String?
    public var eventType: String
    public var payload: JSONValue?
    public var responseStatus: Int?
    public var responseBody: String?
    public var responseBodySize: Int?
    public var responseBodySHA256: String?
    public var responsePreview: String?
    public var attempts: Int
    public var nextRetryAt: Date?
    public var status: DeliveryStatus
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        uid: String,
        subscription: String?,
        eventType: String,
        payload: JSONValue? = nil,
        responseStatus: Int? = nil,
        responseBody: String? = nil,
        responseBodySize: Int? = nil,
        responseBodySHA256: String? = nil,
        responsePreview: String? = nil,
        attempts: Int = 0,
        nextRetryAt: Date? = nil,
        status: DeliveryStatus = .pending,
        createdAt: Date? = nil,
        updatedAt: Date? = nil
    ) {
        self.uid = uid
        self.subscription = subscription
        self.eventType = eventType
        self.payload = payload
        self.responseStatus = responseStatus
        self.responseBody = responseBody
        self.responseBodySize = responseBodySize
        self.responseBodySHA256 = responseBodySHA256
        self.responsePreview = responsePreview
        self.attempts = attempts
        self.nextRetryAt = nextRetryAt
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case uid, subscription, payload, attempts, status
        case eventType = "event_type"
        case responseStatus = "response_status"
        case responseBody = "response_body"
        case responseBodySize = "response_body_size"
        case responseBodySHA256 = "response_body_sha256"
        case responsePreview = "response_preview"
        case nextRetryAt = "next_retry_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try FlexibleContainer(decoder)
        uid = try c.required("uid")
        subscription = c.lenient("subscription")
        eventType = try c.required("event_type")
        payload = try c.optional("payload")
        responseStatus = c.lenient("response_status")
        responseBody = c.lenient("response_body")
        responseBodySize = c.lenient("response_body_size")
        responseBodySHA256 = c.lenient("response_body_sha256")
        responsePreview = c.lenient("response_preview")
        attempts = c.lenient("attempts") ?? 0
        nextRetryAt = try c.optional("next_retry_at")
        status = try c.optional("status") ?? .pending
        createdAt = try c.optional("created_at")
        updatedAt = try c.optional("updated_at")
    }
}

/// `pending`, `delivered`, `failed`; other values are kept.
public struct DeliveryStatus: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue.lowercased() }
    public static let pending: Self = "pending"
    public static let delivered: Self = "delivered"
    public static let failed: Self = "failed"
}
