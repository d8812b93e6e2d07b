public import Foundation

/// One item of a dataset (`GET /datasets/{owner}/{slug}/items/`).
public struct DatasetItem: Codable, Hashable, Sendable {
    public var uid: String
    public var id: Int?
    public var key: String?
    public var dataset: String?
    public var datasetOwnerName: String?
    public var datasetSlug: String?
    public var url: String?
    public var isHidden: Bool
    public var metadata: JSONValue?
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        uid: String,
        id: Int? = nil,
        key: String? = nil,
        dataset: String? = nil,
        datasetOwnerName: String? = nil,
        datasetSlug: String? = nil,
        url: String? = nil,
        isHidden: Bool = false,
        metadata: JSONValue? = nil,
        createdAt: Date? = nil,
        updatedAt: Date? = nil
    ) {
        self.uid = uid
        self.id = id
        self.key = key
        self.dataset = dataset
        self.datasetOwnerName = datasetOwnerName
        self.datasetSlug = datasetSlug
        self.url = url
        self.isHidden = isHidden
        self.metadata = metadata
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case uid, id, key, dataset, url, metadata
        case datasetOwnerName = "dataset_owner_name"
        case datasetSlug = "dataset_slug"
        case isHidden = "is_hidden"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try FlexibleContainer(decoder)
        uid = try c.required("uid")
        id = c.lenient("id")
        key = try c.optional("key")
        dataset = c.lenient("dataset")
        datasetOwnerName = try c.optional("dataset_owner_name")
        datasetSlug = try c.optional("dataset_slug")
        url = try c.optional("url", "data_url")
        isHidden = try c.optional("is_hidden") ?? false
        metadata = try c.optional("metadata")
        createdAt = try c.optional("created_at")
        updatedAt = try c.optional("updated_at")
    }
}
