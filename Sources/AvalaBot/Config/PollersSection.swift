/// `pollers.*`: an absent poller section means that poller is off.
struct PollersSection: Decodable, Equatable, Sendable {
    var exports: Poller?
    var projects: ProjectsPoller?
    var members: OrganizationsPoller?
    var invitations: OrganizationsPoller?
    var deliveries: Poller?

    struct Poller: Decodable, Equatable, Sendable {
        var every: DurationSetting?
        var maxPages = 50

        enum CodingKeys: String, CodingKey, CaseIterable {
            case every
            case maxPages = "max_pages"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            every = try c.positiveDuration(.every)
            maxPages = try c.positive(.maxPages) ?? maxPages
        }
    }

    struct ProjectsPoller: Decodable, Equatable, Sendable {
        var every: DurationSetting?
        var progressThresholds: [Double]?
        var minAcceptanceRate: Double?
        var maxPages = 50

        enum CodingKeys: String, CodingKey, CaseIterable {
            case every
            case progressThresholds = "progress_thresholds"
            case minAcceptanceRate = "min_acceptance_rate"
            case
                maxPages = "max_pages"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            every = try c.positiveDuration(.every)
            progressThresholds = try c.decodeIfPresent([Double].self, forKey: .progressThresholds)
            minAcceptanceRate = try c.decodeIfPresent(Double.self, forKey: .minAcceptanceRate)
            maxPages = try c.positive(.maxPages) ?? maxPages
            if let rate = minAcceptanceRate, !(0...1).contains(rate) {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: c.codingPath + [CodingKeys.minAcceptanceRate], debugDescription: "must be between 0 and 1")
                )
            }
        }
    }

    struct OrganizationsPoller: Decodable, Equatable, Sendable {
        var organization: String?
        var organizations: [String]?
        var every: DurationSetting?
        var emitExisting = false
        var maxPages = 50

        enum CodingKeys: String, CodingKey, CaseIterable {
            case organization, organizations, every
            case emitExisting = "emit_existing"
            case maxPages = "max_pages"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            organization = try c.decodeIfPresent(String.self, forKey: .organization)
            organizations = try c.decodeIfPresent([String].self, forKey: .organizations)
            every = try c.positiveDuration(.every)
            emitExisting = try c.decodeIfPresent(Bool.self, forKey: .emitExisting) ?? emitExisting
            maxPages = try c.positive(.maxPages) ?? maxPages
            // Without one, the poller would be on in the file and watch nothing.
            if allOrganizations.isEmpty {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: c.codingPath, debugDescription: "names no organization to watch: set organization or organizations")
                )
            }
        }

        /// `organization` and `organizations` together.
        var allOrganizations: [String] { (organization.map { [$0] } ?? []) + (organizations ?? []) }
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case exports, projects, members, invitations, deliveries }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        exports = try c.decodeIfPresent(Poller.self, forKey: .exports)
        projects = try c.decodeIfPresent(ProjectsPoller.self, forKey: .projects)
        members = try c.decodeIfPresent(OrganizationsPoller.self, forKey: .members)
        invitations = try c.decodeIfPresent(OrganizationsPoller.self, forKey: .invitations)
        deliveries = try c.decodeIfPresent(Poller.self, forKey: .deliveries)
    }
}
