public import Foundation

/// An organization, addressed by its `slug`.
public struct Organization: Codable, Hashable, Sendable {
    public var uid: String
    public var name: String
    public var slug: String
    public var handle: String?
    public var description: String?
    public var visibility: String?
    public var plan: String?
    public var isVerified: Bool
    public var isActive: Bool
    public var memberCount: Int?
    public var teamCount: Int?
    /// The caller's role in this organization.
    public var role: MemberRole?
    public var allowedDomains: [String]?
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        uid: String,
        name: String,
        slug: String,
        handle: String? = nil,
        description: String? = nil,
        visibility: String? = nil,
        plan: String? = nil,
        isVerified: Bool = false,
        isActive: Bool = true,
        memberCount: Int? = nil,
        teamCount: Int? = nil,
        role: MemberRole? = nil,
        allowedDomains: [String]? = nil,
        createdAt: Date? = nil,
        updatedAt: Date? = nil
    ) {
        self.uid = uid
        self.name = name
        self.slug = slug
        self.handle = handle
        self.description = description
        self.visibility = visibility
        self.plan = plan
        self.isVerified = isVerified
        self.isActive = isActive
        self.memberCount = memberCount
        self.teamCount = teamCount
        self.role = role
        self.allowedDomains = allowedDomains
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case uid, name, slug, handle, description, visibility, plan, role
        case isVerified = "is_verified"
        case isActive = "is_active"
        case memberCount = "member_count"
        case teamCount = "team_count"
        case allowedDomains = "allowed_domains"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try FlexibleContainer(decoder)
        uid = try c.required("uid")
        name = try c.required("name")
        slug = try c.required("slug")
        handle = try c.optional("handle")
        description = try c.optional("description")
        visibility = try c.optional("visibility")
        plan = c.lenient("plan")
        isVerified = c.lenient("is_verified") ?? false
        isActive = c.lenient("is_active") ?? true
        memberCount = c.lenient("member_count")
        teamCount = c.lenient("team_count")
        role = try c.optional("role")
        allowedDomains = c.lenient("allowed_domains")
        createdAt = try c.optional("created_at")
        updatedAt = try c.optional("updated_at")
    }
}

/// `owner`, `admin`, `member`; other values are kept.
public struct MemberRole: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue.lowercased() }
    public static let owner: Self = "owner"
    public static let admin: Self = "admin"
    public static let member: Self = "member"
}
