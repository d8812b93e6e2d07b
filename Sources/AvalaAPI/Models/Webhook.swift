public import Foundation

/// A webhook subscription (`/webhooks/`). The secret is returned only when the subscription is created.
public struct Webhook: Codable, Hashable, Sendable {
    public var uid: String
    public var targetURL: String
    public var events: [String]
    public var isActive: Bool
    public var secret: SecretString?
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        uid: String,
        targetURL: String,
        events: [String],
        isActive: Bool = true,
        secret: SecretString? = nil,
        createdAt: Date? = nil,
        updatedAt: Date? = nil
    ) {
        self.uid = uid
        self.targetURL = targetURL
        self.events = events
        self.isActive = isActive
        self.secret = secret
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case uid, events, secret
        case targetURL = "target_url"
        case isActive = "is_active"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try FlexibleContainer(decoder)
        uid = try c.required("uid")
        targetURL = try c.required("target_url")
        events = try c.optional("events") ?? []
        isActive = try c.optional("is_active") ?? true
        secret = try c.optional("secret")
        createdAt = try c.optional("created_at")
        updatedAt = try c.optional("updated_at")
    }
}

/// What `POST /webhooks/{uid}/test/` answers: free-form, with `success` and `message` usually present.
public struct WebhookTestResult: Decodable, Hashable, Sendable {
    public var success: Bool?
    public var message: String?
    /// The whole answer, for what the fields above do not cover.
    public var raw: JSONValue

    public init(from decoder: any Decoder) throws {
        raw = try JSONValue(from: decoder)
        if case .bool(let value) = raw["success"] { success = value }
        message = raw["message"]?.stringValue
    }
}
