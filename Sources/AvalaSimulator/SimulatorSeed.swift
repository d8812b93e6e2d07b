public import AvalaAPI
public import Foundation

/// The data a simulator starts with, and returns to on reset.
///
/// Also readable from JSON (`avala-bot simulator --seed FILE`), in the API's own field names:
/// `{"organizations": [{"organization": {…}, "members": […], "invitations": […], "teams": […]}],
///   "projects": [{"project": {…}, "metrics": {…}}], "datasets": […], "exports": […], "tasks": […]}`;
/// every list may be left out.
public struct SimulatorSeed: Codable, Sendable {
    public struct OrganizationSeed: Codable, Sendable {
        public var organization: Organization
        public var members: [OrganizationMember]
        public var invitations: [Invitation]
        public var teams: [Team]

        public init(organization: Organization, members: [OrganizationMember] = [], invitations: [Invitation] = [], teams: [Team] = []) {
            self.organization = organization
            self.members = members
            self.invitations = invitations
            self.teams = teams
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            organization = try container.decode(Organization.self, forKey: .organization)
            members = try container.decodeIfPresent([OrganizationMember].self, forKey: .members) ?? []
            invitations = try container.decodeIfPresent([Invitation].self, forKey: .invitations) ?? []
            teams = try container.decodeIfPresent([Team].self, forKey: .teams) ?? []
        }
    }

    public struct ProjectSeed: Codable, Sendable {
        public var project: Project
        /// nil: `/projects/{uid}/metrics/` answers 404 for this project, as the real API may.
        public var metrics: ProjectMetrics?

        public init(project: Project, metrics: ProjectMetrics? = nil) {
            self.project = project
            self.metrics = metrics
        }
    }

    public var organizations: [OrganizationSeed]
    public var projects: [ProjectSeed]
    /// Items are generated from each dataset's `itemCount`.
    public var datasets: [Dataset]
    /// Oldest first; listed newest first.
    public var exports: [Export]
    public var tasks: [AvalaTask]

    public init(
        organizations: [OrganizationSeed] = [],
        projects: [ProjectSeed] = [],
        datasets: [Dataset] = [],
        exports: [Export] = [],
        tasks: [AvalaTask] = []
    ) {
        self.organizations = organizations
        self.projects = projects
        self.datasets = datasets
        self.exports = exports
        self.tasks = tasks
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        organizations = try container.decodeIfPresent([OrganizationSeed].self, forKey: .organizations) ?? []
        projects = try container.decodeIfPresent([ProjectSeed].self, forKey: .projects) ?? []
        datasets = try container.decodeIfPresent([Dataset].self, forKey: .datasets) ?? []
        exports = try container.decodeIfPresent([Export].self, forKey: .exports) ?? []
        tasks = try container.decodeIfPresent([AvalaTask].self, forKey: .tasks) ?? []
    }

    /// Reads a seed file; errors name the field that is wrong.
    public static func load(contentsOf url: URL) throws -> SimulatorSeed {
        try AvalaJSON.makeDecoder().decode(SimulatorSeed.self, from: Data(contentsOf: url))
    }

    /// Nothing at all.
    public static let empty = SimulatorSeed()

    /// Fixed uids of the standard seed, for tests and the demo.
    public enum UID {
        public static let acmeAI = "6f1c2a9e-0000-4000-8000-000000000001"
        public static let acmeLabelers = "6f1c2a9e-0000-4000-8000-000000000002"
        public static let activeProject = "9b2e7c41-0000-4000-8000-000000000011"
        public static let completedProject = "9b2e7c41-0000-4000-8000-000000000012"
        public static let trainingDataset = "3d5a8f10-0000-4000-8000-000000000021"
        public static let validationDataset = "3d5a8f10-0000-4000-8000-000000000022"
        public static let exportedExport = "b7e4d2a0-0000-4000-8000-000000000031"
        public static let failedExport = "b7e4d2a0-0000-4000-8000-000000000032"
        public static let processingExport = "b7e4d2a0-0000-4000-8000-000000000033"
        public static let requestedExport = "b7e4d2a0-0000-4000-8000-000000000034"
        public static let pendingInvitation = "c1a9e3f5-0000-4000-8000-000000000041"
    }

    /// Organization `acme-ai` with three members and a pending invitation, `acme-labelers` with one
    /// member, an active and a completed project, two datasets (1,200 and 40 items) and an export in each
    /// status.
    public static let standard: SimulatorSeed = {
        let epoch = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
        func day(_ n: Double) -> Date { epoch.addingTimeInterval(n * 86_400) }
        func member(_ n: Int, _ name: String, _ role: MemberRole, joined: Double) -> OrganizationMember {
            OrganizationMember(
                userUID: String(format: "a0e1b2c3-0000-4000-8000-%012d", n),
                username: name,
                email: "\(name)@acme.ai",
                fullName: name.capitalized,
                role: role,
                createdAt: day(joined)
            )
        }
        let acme = OrganizationSeed(
            organization: Organization(
                uid: UID.acmeAI,
                name: "Acme AI",
                slug: "acme-ai",
                handle: "acme-ai",
                visibility: "private",
                plan: "team",
                isVerified: true,
                memberCount: 3,
                role: .owner,
                allowedDomains: ["acme.ai"],
                createdAt: epoch,
                updatedAt: epoch
            ),
            members: [
                member(1, "alice", .owner, joined: 0), member(2, "bob", .admin, joined: 3),
                member(3, "carol", .member, joined: 10),
            ],
            invitations: [
                Invitation(
                    uid: UID.pendingInvitation,
                    invitedEmail: "dave@acme.ai",
                    organizationName: "Acme AI",
                    organizationSlug: "acme-ai",
                    invitedByUsername: "alice",
                    role: .member,
                    status: .pending,
                    expiresAt: day(400),
                    isExpired: false,
                    createdAt: day(20)
                )
            ],
            teams: [
                Team(
                    uid: "e2f3a4b5-0000-4000-8000-000000000051",
                    name: "Reviewers",
                    slug: "reviewers",
                    organizationUID: UID.acmeAI,
                    organizationSlug: "acme-ai",
                    memberCount: 0,
                    createdAt: day(5)
                )
            ]
        )
        let labelers = OrganizationSeed(
            organization: Organization(
                uid: UID.acmeLabelers,
                name: "Acme Labelers",
                slug: "acme-labelers",
                visibility: "private",
                plan: "team",
                memberCount: 1,
                role: .owner,
                createdAt: epoch,
                updatedAt: epoch
            ),
            members: [member(4, "lena", .owner, joined: 1)],
            teams: [
                Team(
                    uid: "e2f3a4b5-0000-4000-8000-000000000052",
                    name: "Annotators",
                    slug: "annotators",
                    organizationUID: UID.acmeLabelers,
                    organizationSlug: "acme-labelers",
                    memberCount: 0,
                    createdAt: day(2)
                )
            ]
        )
        let projects = [
            ProjectSeed(
                project: Project(
                    uid: UID.activeProject,
                    name: "prod-cars",
                    status: .active,
                    taskType: "image-annotation",
                    ownerName: "acme-ai",
                    isActive: true,
                    createdAt: day(30),
                    updatedAt: day(60)
                ),
                metrics: ProjectMetrics(totalTasks: 200, completedTasks: 90, acceptanceRate: 0.94)
            ),
            ProjectSeed(
                project: Project(
                    uid: UID.completedProject,
                    name: "prod-pedestrians",
                    status: .completed,
                    taskType: "image-annotation",
                    ownerName: "acme-ai",
                    isActive: false,
                    createdAt: day(10),
                    updatedAt: day(50)
                ),
                metrics: ProjectMetrics(totalTasks: 120, completedTasks: 120, acceptanceRate: 0.97)
            ),
        ]
        let datasets = [
            Dataset(
                uid: UID.trainingDataset,
                name: "Training v2",
                slug: "training-v2",
                itemCount: 1_200,
                ownerName: "acme-ai",
                status: .created,
                dataType: .image,
                isSequence: false,
                visibility: "private",
                createdAt: day(7),
                updatedAt: day(40)
            ),
            Dataset(
                uid: UID.validationDataset,
                name: "Validation v1",
                slug: "validation-v1",
                itemCount: 40,
                ownerName: "acme-ai",
                status: .created,
                dataType: .video,
                isSequence: true,
                visibility: "private",
                createdAt: day(8),
                updatedAt: day(41)
            ),
        ]
        func export(
            _ uid: String,
            _ status: ExportStatus,
            _ format: String,
            _ project: String,
            at n: Double,
            error: String? = nil
        )
            -> Export
        {
            Export(
                uid: uid,
                status: status,
                downloadURL: status.isSucceeded ? "https://downloads.avala.invalid/exports/\(uid).zip" : nil,
                name: "\(format)-export",
                format: format,
                projects: [project],
                datasets: [],
                slices: [],
                error: error,
                totalTaskCount: 120,
                exportedTaskCount: status.isSucceeded ? 120 : 0,
                createdAt: day(n),
                updatedAt: day(n)
            )
        }
        let exports = [
            export(UID.exportedExport, .exported, "coco", UID.completedProject, at: 51),
            export(UID.failedExport, .failed, "yolo", UID.completedProject, at: 52, error: "Export worker ran out of memory"),
            export(UID.processingExport, .processing, "coco", UID.activeProject, at: 61),
            export(UID.requestedExport, .requested, "avala-json-external", UID.activeProject, at: 62),
        ]
        let tasks = (1...6).map { n in
            AvalaTask(
                uid: String(format: "f0a1b2c3-0000-4000-8000-%012d", n),
                type: "image-annotation",
                name: "box",
                status: n <= 3 ? "completed" : "pending",
                project: UID.activeProject,
                createdAt: day(31 + Double(n)),
                updatedAt: day(45 + Double(n))
            )
        }
        return SimulatorSeed(
            organizations: [acme, labelers],
            projects: projects,
            datasets: datasets,
            exports: exports,
            tasks: tasks
        )
    }()
}
