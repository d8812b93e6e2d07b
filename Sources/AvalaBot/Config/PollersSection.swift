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

        init() {}

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            every = try c.positiveDuration(.every)
            maxPages = try c.positive(.maxPages) ?? maxPages
            // The exports poller reads new exports first and catches up on a burst larger than the cap
            // with the pages left over: with one page there are none, and what the cap cut is never read.
            if c.codingPath.last?.stringValue == PollersSection.CodingKeys.exports.stringValue, maxPages < 2 {
                try c.report(
                    DecodingError.dataCorrupted(
                        .init(
                            codingPath: c.codingPath + [CodingKeys.maxPages],
                            debugDescription:
                                "must be at least 2 for exports: one page for new exports, and the rest to catch up on a burst the cap cut"
                        )
                    )
                )
            }
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

        init() {}

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            every = try c.positiveDuration(.every)
            progressThresholds = try c.decodeIfPresent([Double].self, forKey: .progressThresholds)
            minAcceptanceRate = try c.decodeIfPresent(Double.self, forKey: .minAcceptanceRate)
            maxPages = try c.positive(.maxPages) ?? maxPages
            if let rate = minAcceptanceRate, !(0...1).contains(rate) {
                try c.report(
                    DecodingError.dataCorrupted(
                        .init(codingPath: c.codingPath + [CodingKeys.minAcceptanceRate], debugDescription: "must be between 0 and 1")
                    )
                )
            }
            // A percent outside 0–100 is never crossed: the event it stands for would never be raised.
            for (index, threshold) in (progressThresholds ?? []).enumerated() where !(0...100).contains(threshold) {
                try c.report(
                    DecodingError.dataCorrupted(
                        .init(
                            codingPath: c.codingPath + [CodingKeys.progressThresholds, NodeKey(index: index)],
                            debugDescription:
                                "must be a percent from 0 to 100, found \(threshold.rounded() == threshold && abs(threshold) < 1e15 ? String(Int(threshold)) : String(threshold))"
                        )
                    )
                )
            }
            progressThresholds = progressThresholds?.filter { (0...100).contains($0) }
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
            // The invitations poller shares these keys but has nothing to raise for what already exists:
            // accepted, the key would do nothing (CONFIG.md lists it for members only).
            if c.codingPath.last?.stringValue == PollersSection.CodingKeys.invitations.stringValue, c.contains(.emitExisting) {
                try c.report(
                    DecodingError.dataCorrupted(
                        .init(
                            codingPath: c.codingPath + [CodingKeys.emitExisting],
                            debugDescription: "unknown key 'emit_existing': it applies to pollers.members only"
                        )
                    )
                )
            }
            // Both would leave a reader unsure which is watched; CONFIG.md offers one or the other.
            if organization != nil, organizations != nil {
                try c.report(
                    DecodingError.dataCorrupted(
                        .init(
                            codingPath: c.codingPath + [CodingKeys.organizations],
                            debugDescription: "write either organization or organizations, not both"
                        )
                    )
                )
            }
            try Self.checkSlugs(c, organization: organization, organizations: organizations)
            // A key that failed to read has been reported; saying it names nothing would repeat that.
            let unread = [CodingKeys.organization, .organizations].contains { key in
                c.contains(key) && (try? c.decodeNil(forKey: key)) == false
                    && (key == .organization ? organization == nil : organizations == nil)
            }
            // Without one, the poller would be on in the file and watch nothing.
            if allOrganizations.isEmpty, !unread {
                try c.report(
                    DecodingError.dataCorrupted(
                        .init(codingPath: c.codingPath, debugDescription: "names no organization to watch: set organization or organizations")
                    )
                )
            }
        }

        /// A blank slug would be polled as an organization and fail every cycle; one listed twice would be
        /// polled twice, raising each of its events twice. Each is reported at its own item.
        private static func checkSlugs(_ c: KeyedDecodingContainer<CodingKeys>, organization: String?, organizations: [String]?) throws {
            func blank(_ path: [any CodingKey]) throws {
                try c.report(
                    DecodingError.dataCorrupted(.init(codingPath: c.codingPath + path, debugDescription: "is blank: give an organization's slug"))
                )
            }
            if let organization, organization.allSatisfy(\.isWhitespace) { try blank([CodingKeys.organization]) }
            var first: [String: Int] = [:]
            for (index, slug) in (organizations ?? []).enumerated() {
                let path: [any CodingKey] = [CodingKeys.organizations, NodeKey(index: index)]
                if slug.allSatisfy(\.isWhitespace) {
                    try blank(path)
                } else if let earlier = first[slug] {
                    try c.report(
                        DecodingError.dataCorrupted(
                            .init(
                                codingPath: c.codingPath + path,
                                debugDescription: "'\(slug)' is listed twice (first at organizations[\(earlier)]): list each organization once"
                            )
                        )
                    )
                } else {
                    first[slug] = index
                }
            }
        }

        /// The keys `pollers.invitations` takes: all but `emit_existing`.
        static let invitationsKeys = CodingKeys.allCases.filter { $0 != .emitExisting }.map(\.stringValue)

        /// `organization` and `organizations` together.
        var allOrganizations: [String] { (organization.map { [$0] } ?? []) + (organizations ?? []) }
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case exports, projects, members, invitations, deliveries }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // A section written with no value (`exports:`) is on with its defaults, as `exports: {}` is: only an
        // absent section turns a poller off.
        exports = try c.decodeIfPresent(Poller.self, forKey: .exports) ?? (c.contains(.exports) ? Poller() : nil)
        projects = try c.decodeIfPresent(ProjectsPoller.self, forKey: .projects) ?? (c.contains(.projects) ? ProjectsPoller() : nil)
        members = try Self.organizations(c, .members)
        invitations = try Self.organizations(c, .invitations)
        deliveries = try c.decodeIfPresent(Poller.self, forKey: .deliveries) ?? (c.contains(.deliveries) ? Poller() : nil)
    }

    /// `members` or `invitations`; written with no value, it names no organization, which is an error.
    private static func organizations(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> OrganizationsPoller? {
        if let section = try c.decodeIfPresent(OrganizationsPoller.self, forKey: key) { return section }
        // A section that is written but failed to read has been reported (going on past errors).
        guard c.contains(key), try c.decodeNil(forKey: key) else { return nil }
        throw DecodingError.dataCorrupted(
            .init(codingPath: c.codingPath + [key], debugDescription: "names no organization to watch: set organization or organizations")
        )
    }
}
