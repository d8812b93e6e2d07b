public import Foundation

/// A pending (or answered) invitation to an organization.
public struct Invitation: Codable, Hashable, Sendable {
    public var uid: String
    /// Decoded from `invited_email`, or `email` as one source writes it.
    public var invitedEmail: String
    public var organizationName: String?
    public var organizationSlug: String?
    public var invitedByUsername: String?
    public var role: MemberRole?
    public var status: InvitationStatus?
    public var expiresAt: Date?
    public var isExpired: Bool?
    public var createdAt: Date?

    public init(
        uid: String,
        invitedEmail: String,
        organizationName: String? = nil,
        organizationSlug: String? = nil,
        invitedByUsername: String? = nil,
        role: MemberRole? = nil,
        status: InvitationStatus? = nil,
        expiresAt: Date? = nil,
        isExpired: Bool? = nil,
        createdAt: Date? = nil
    ) {
        self.uid = uid
        self.invitedEmail = invitedEmail
        self.organizationName = organizationName
        self.organizationSlug = organizationSlug
        self.invitedByUsername = invitedByUsername
        self.role = role
        self.status = status
        self.expiresAt = expiresAt
        self.isExpired = isExpired
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case uid, role, status
        case invitedEmail = "invited_email"
        case organizationName = "organization_name"
        case organizationSlug = "organization_slug"
        case invitedByUsername = "invited_by_username"
        case expiresAt = "expires_at"
        case isExpired = "is_expired"
        case createdAt = "created_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try FlexibleContainer(decoder)
        uid = try c.required("uid")
        invitedEmail = try c.required("invited_email", "email")
        organizationName = try c.optional("organization_name")
        organizationSlug = try c.optional("organization_slug")
        invitedByUsername = try c.optional("invited_by_username")
        role = try c.optional("role")
        status = try c.optional("status")
        expiresAt = try c.optional("expires_at")
        isExpired = c.lenient("is_expired")
        createdAt = try c.optional("created_at")
    }
}

/// `pending`, `accepted`, `expired`, `cancelled`; other values are kept.
public struct InvitationStatus: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue.lowercased() }
    public static let pending: Self = "pending"
    public static let accepted: Self = "accepted"
    public static let expired: Self = "expired"
    public static let cancelled: Self = "cancelled"
}
