public import Foundation

/// A member of an organization (`GET /organizations/{slug}/members/`).
///
/// The SDK reads the user's fields flat (`user_uid`, `username`, `email`); one source nests them under
/// `user`. Both decode; encoding is flat.
public struct OrganizationMember: Codable, Hashable, Sendable {
    public var userUID: String
    public var username: String?
    public var email: String?
    public var fullName: String?
    public var role: MemberRole?
    /// When the user joined the organization.
    public var createdAt: Date?
    public var lastActiveAt: Date?

    public init(
        userUID: String,
        username: String? = nil,
        email: String? = nil,
        fullName: String? = nil,
        role: MemberRole? = nil,
        createdAt: Date? = nil,
        lastActiveAt: Date? = nil
    ) {
        self.userUID = userUID
        self.username = username
        self.email = email
        self.fullName = fullName
        self.role = role
        self.createdAt = createdAt
        self.lastActiveAt = lastActiveAt
    }

    enum CodingKeys: String, CodingKey {
        case username, email, role
        case userUID = "user_uid"
        case fullName = "full_name"
        case createdAt = "created_at"
        case lastActiveAt = "last_active_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try FlexibleContainer(decoder)
        userUID = try c.userUID()
        username = try c.userField("username")
        email = try c.userField("email")
        fullName = try c.userField("full_name")
        role = try c.optional("role")
        createdAt = try c.optional("created_at", "joined_at")
        lastActiveAt = try c.optional("last_active_at")
    }
}
