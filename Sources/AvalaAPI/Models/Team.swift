public import Foundation

/// A team inside an organization, addressed by its slug.
public struct Team: Codable, Hashable, Sendable {
    public var uid: String
    public var name: String
    public var slug: String?
    public var description: String?
    public var color: String?
    public var organizationUID: String?
    public var organizationSlug: String?
    public var memberCount: Int?
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        uid: String,
        name: String,
        slug: String? = nil,
        description: String? = nil,
        color: String? = nil,
        organizationUID: String? = nil,
        organizationSlug: String? = nil,
        memberCount: Int? = nil,
        createdAt: Date? = nil,
        updatedAt: Date? = nil
    ) {
        self.uid = uid
        self.name = name
        self.slug = slug
        self.description = description
        self.color = color
        self.organizationUID = organizationUID
        self.organizationSlug = organizationSlug
        self.memberCount = memberCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case uid, name, slug, description, color
        case organizationUID = "organization_uid"
        case organizationSlug = "organization_slug"
        case memberCount = "member_count"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// A member of a team: `lead` or `member`.
public struct TeamMember: Codable, Hashable, Sendable {
    public var userUID: String
    public var username: String?
    public var email: String?
    public var role: String?
    public var createdAt: Date?

    public init(userUID: String, username: String? = nil, email: String? = nil, role: String? = nil, createdAt: Date? = nil) {
        self.userUID = userUID
        self.username = username
        self.email = email
        self.role = role
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case username, email, role
        case userUID = "user_uid"
        case createdAt = "created_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try FlexibleContainer(decoder)
        userUID = try c.userUID()
        username = try c.userField("username")
        email = try c.userField("email")
        role = try c.optional("role")
        createdAt = try c.optional("created_at")
    }
}
