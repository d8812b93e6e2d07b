public import Foundation

/// An export (`GET /exports/`, `/exports/{uid}/`, and what `POST /exports/` answers).
public struct Export: Codable, Hashable, Sendable {
    public var uid: String
    public var status: ExportStatus?
    /// Null until the export succeeded.
    public var downloadURL: String?
    public var name: String?
    public var format: String?
    public var projects: [String]?
    public var datasets: [String]?
    public var slices: [String]?
    /// Why a failed export failed, when the server says.
    public var error: String?
    public var totalTaskCount: Int?
    public var exportedTaskCount: Int?
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        uid: String,
        status: ExportStatus? = nil,
        downloadURL: String? = nil,
        name: String? = nil,
        format: String? = nil,
        projects: [String]? = nil,
        datasets: [String]? = nil,
        slices: [String]? = nil,
        error: String? = nil,
        totalTaskCount: Int? = nil,
        exportedTaskCount: Int? = nil,
        createdAt: Date? = nil,
        updatedAt: Date? = nil
    ) {
        self.uid = uid
        self.status = status
        self.downloadURL = downloadURL
        self.name = name
        self.format = format
        self.projects = projects
        self.datasets = datasets
        self.slices = slices
        self.error = error
        self.totalTaskCount = totalTaskCount
        self.exportedTaskCount = exportedTaskCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case uid, status, name, format, projects, datasets, slices, error
        case downloadURL = "download_url"
        case totalTaskCount = "total_task_count"
        case exportedTaskCount = "exported_task_count"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try FlexibleContainer(decoder)
        uid = try c.required("uid")
        status = try c.optional("status")
        downloadURL = try c.optional("download_url")
        name = try c.optional("name")
        format = try c.optional("format")
        projects = c.lenient("projects")
        datasets = c.lenient("datasets")
        slices = c.lenient("slices")
        error = c.lenient("error", "error_message")
        totalTaskCount = c.lenient("total_task_count")
        exportedTaskCount = c.lenient("exported_task_count")
        createdAt = try c.optional("created_at")
        updatedAt = try c.optional("updated_at")
    }
}

/// Export status. The SDK's terminal success is `exported`; other sources say `completed`: both succeed.
public struct ExportStatus: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue.lowercased() }
    public static let requested: Self = "requested"
    public static let pending: Self = "pending"
    public static let processing: Self = "processing"
    public static let exported: Self = "exported"
    public static let completed: Self = "completed"
    public static let failed: Self = "failed"

    /// `exported` or `completed`.
    public var isSucceeded: Bool { self == .exported || self == .completed }
    public var isFailed: Bool { self == .failed }
    /// Anything else, including values this version does not know, is still running.
    public var isTerminal: Bool { isSucceeded || isFailed }
    /// The status with both spellings of success as `completed`, for event keys.
    public var normalized: ExportStatus { isSucceeded ? .completed : self }
}
