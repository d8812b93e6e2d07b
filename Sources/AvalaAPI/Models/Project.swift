public import Foundation

/// A project (`GET /users/me/projects/`, `/projects/{owner}/`).
public struct Project: Codable, Hashable, Sendable {
    public var uid: String
    public var name: String
    public var status: ProjectStatus?
    public var taskType: String?
    public var ownerName: String?
    public var isActive: Bool?
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        uid: String,
        name: String,
        status: ProjectStatus? = nil,
        taskType: String? = nil,
        ownerName: String? = nil,
        isActive: Bool? = nil,
        createdAt: Date? = nil,
        updatedAt: Date? = nil
    ) {
        self.uid = uid
        self.name = name
        self.status = status
        self.taskType = taskType
        self.ownerName = ownerName
        self.isActive = isActive
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case uid, name, status
        case taskType = "task_type"
        case ownerName = "owner_name"
        case isActive = "is_active"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try FlexibleContainer(decoder)
        uid = try c.required("uid")
        name = try c.required("name")
        status = try c.optional("status")
        taskType = try c.optional("task_type")
        ownerName = try c.optional("owner_name", "owner")
        isActive = c.lenient("is_active")
        createdAt = try c.optional("created_at")
        updatedAt = try c.optional("updated_at")
    }
}

/// Project status, lower-case and hyphenated as Avala writes it; other values are kept.
public struct ProjectStatus: OpenEnum {
    public let rawValue: String
    /// Stored lower-cased: one source writes `ACTIVE`.
    public init(rawValue: String) { self.rawValue = rawValue.lowercased() }
    public static let pendingApproval: Self = "pending-approval"
    public static let active: Self = "active"
    public static let paused: Self = "paused"
    public static let canceled: Self = "canceled"
    public static let archived: Self = "archived"
    public static let completed: Self = "completed"
}

/// `GET /projects/{uid}/metrics/` — documented by one source only; may be absent on the real API.
public struct ProjectMetrics: Codable, Hashable, Sendable {
    public var totalTasks: Int
    public var completedTasks: Int
    /// 0–1.
    public var acceptanceRate: Double?

    public init(totalTasks: Int, completedTasks: Int, acceptanceRate: Double? = nil) {
        self.totalTasks = totalTasks
        self.completedTasks = completedTasks
        self.acceptanceRate = acceptanceRate
    }

    /// Completed tasks as a percentage of all tasks; 0 when there are none.
    public var completionPercent: Double {
        totalTasks > 0 ? Double(completedTasks) / Double(totalTasks) * 100 : 0
    }

    enum CodingKeys: String, CodingKey {
        case totalTasks = "total_tasks"
        case completedTasks = "completed_tasks"
        case acceptanceRate = "acceptance_rate"
    }
}
