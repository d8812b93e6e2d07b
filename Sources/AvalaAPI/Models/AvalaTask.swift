public import Foundation

/// An annotation task (`GET /tasks/`). Named so that it does not shadow Swift's `Task`.
public struct AvalaTask: Codable, Hashable, Sendable {
    public var uid: String
    public var type: String?
    public var name: String?
    public var status: String?
    public var project: String?
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        uid: String,
        type: String? = nil,
        name: String? = nil,
        status: String? = nil,
        project: String? = nil,
        createdAt: Date? = nil,
        updatedAt: Date? = nil
    ) {
        self.uid = uid
        self.type = type
        self.name = name
        self.status = status
        self.project = project
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case uid, type, name, status, project
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try FlexibleContainer(decoder)
        uid = try c.required("uid")
        type = try c.optional("type")
        name = try c.optional("name")
        status = try c.optional("status")
        project = c.lenient("project", "project_uid")
        createdAt = try c.optional("created_at")
        updatedAt = try c.optional("updated_at")
    }
}

/// Filters for `GET /tasks/`.
public struct TaskFilter: Hashable, Sendable {
    public var project: String?
    public var status: String?
    public init(project: String? = nil, status: String? = nil) {
        self.project = project
        self.status = status
    }
}
