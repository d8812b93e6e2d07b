public import Foundation

/// A dataset (`GET /datasets/`, `/datasets/{uid}/`, `/datasets/{owner}/{slug}/`).
public struct Dataset: Codable, Hashable, Sendable {
    public var uid: String
    public var name: String
    public var slug: String
    public var itemCount: Int
    /// The owning organization slug or username; decoded from `owner_name` or `owner`.
    public var ownerName: String?
    public var status: DatasetStatus?
    public var dataType: DataType?
    public var isSequence: Bool?
    public var visibility: String?
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        uid: String,
        name: String,
        slug: String,
        itemCount: Int = 0,
        ownerName: String? = nil,
        status: DatasetStatus? = nil,
        dataType: DataType? = nil,
        isSequence: Bool? = nil,
        visibility: String? = nil,
        createdAt: Date? = nil,
        updatedAt: Date? = nil
    ) {
        self.uid = uid
        self.name = name
        self.slug = slug
        self.itemCount = itemCount
        self.ownerName = ownerName
        self.status = status
        self.dataType = dataType
        self.isSequence = isSequence
        self.visibility = visibility
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case uid, name, slug, status, visibility
        case itemCount = "item_count"
        case ownerName = "owner_name"
        case dataType = "data_type"
        case isSequence = "is_sequence"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try FlexibleContainer(decoder)
        uid = try c.required("uid")
        name = try c.required("name")
        slug = try c.required("slug")
        itemCount = try c.optional("item_count") ?? 0
        ownerName = try c.optional("owner_name", "owner")
        status = try c.optional("status")
        dataType = try c.optional("data_type")
        isSequence = try c.optional("is_sequence")
        visibility = try c.optional("visibility")
        createdAt = try c.optional("created_at")
        updatedAt = try c.optional("updated_at")
    }
}

/// `creating` or `created`; other values are kept.
public struct DatasetStatus: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let creating: Self = "creating"
    public static let created: Self = "created"
}

/// `image`, `video`, `lidar`, `mcap`, `splat`; other values are kept.
public struct DataType: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let image: Self = "image"
    public static let video: Self = "video"
    public static let lidar: Self = "lidar"
    public static let mcap: Self = "mcap"
    public static let splat: Self = "splat"
}
