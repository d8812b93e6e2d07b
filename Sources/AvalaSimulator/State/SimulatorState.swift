import AvalaAPI
import Foundation
import HTTPTypes

/// Everything the simulator knows: organizations, projects, datasets, exports, webhooks, deliveries, and
/// the traffic bookkeeping (faults, rate windows, recorded requests).
///
/// One actor, so every API call and control operation sees a consistent state.
actor SimulatorState {
    struct OrganizationRecord {
        var organization: Organization
        var members: [OrganizationMember]
        /// Every invitation ever made, answered ones included; the API lists only pending ones.
        var invitations: [Invitation]
        var teams: [TeamRecord]
    }

    struct TeamRecord {
        var team: Team
        var members: [TeamMember]
    }

    struct ProjectRecord {
        var project: Project
        var metrics: ProjectMetrics?
    }

    struct ExportRecord {
        var export: Export
        /// When the export was requested, for its automatic progress; nil: it moves only when told.
        var startedAt: Date?
    }

    struct DeliveryRecord {
        var delivery: WebhookDelivery
        var body: [UInt8]
        var targetURL: String
        var secret: String
        /// When the next attempt is due; nil while one is in flight or once it is final.
        var dueAt: Date?
    }

    let configuration: SimulatorConfiguration
    var organizations: [OrganizationRecord] = []
    /// Users who left an organization, by lowercased email: Avala's users are global, so someone added
    /// again keeps their user uid (with a new membership `created_at`).
    var formerMembers: [String: String] = [:]
    var projects: [ProjectRecord] = []
    var datasets: [Dataset] = []
    /// Newest first, as the API lists them.
    var exports: [ExportRecord] = []
    var tasks: [AvalaTask] = []
    /// Newest first.
    var webhooks: [Webhook] = []
    /// Newest first.
    var deliveries: [DeliveryRecord] = []
    var faults: [Fault] = []
    var recorded: [RecordedRequest] = []
    var rateWindows: [String: (start: Date, count: Int)] = [:]
    var inFlight = 0
    var maxInFlight = 0
    /// When set, `next` links are written against this base instead of the simulator's own (for tests of
    /// a `next` that points to another host).
    var nextLinkBase: String?
    var paginationQuirk: PaginationQuirk?
    var sequence = 0

    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
        let seeded = Self.seeded(configuration.seed)
        organizations = seeded.organizations
        projects = seeded.projects
        datasets = seeded.datasets
        exports = seeded.exports
        tasks = seeded.tasks
    }

    /// Back to the seed: all changes, faults, webhooks and recorded requests are dropped.
    func reset() {
        organizations = []
        formerMembers = [:]
        projects = []
        datasets = []
        exports = []
        tasks = []
        webhooks = []
        deliveries = []
        faults = []
        recorded = []
        rateWindows = [:]
        nextLinkBase = nil
        paginationQuirk = nil
        let seeded = Self.seeded(configuration.seed)
        organizations = seeded.organizations
        projects = seeded.projects
        datasets = seeded.datasets
        exports = seeded.exports
        tasks = seeded.tasks
    }

    private static func seeded(
        _ seed: SimulatorSeed
    ) -> (
        organizations: [OrganizationRecord], projects: [ProjectRecord], datasets: [Dataset], exports: [ExportRecord],
        tasks: [AvalaTask]
    ) {
        let organizations = seed.organizations.map {
            OrganizationRecord(
                organization: $0.organization,
                members: $0.members,
                invitations: $0.invitations,
                teams: $0.teams.map { TeamRecord(team: $0, members: []) }
            )
        }
        // Seeded exports stay as seeded, except those still running, which progress from now on.
        let exports = seed.exports.reversed().map {
            ExportRecord(export: $0, startedAt: ($0.status?.isTerminal ?? false) ? nil : Date())
        }
        return (
            organizations, seed.projects.map { ProjectRecord(project: $0.project, metrics: $0.metrics) }, seed.datasets,
            exports, seed.tasks
        )
    }

    /// A new uuid-shaped uid.
    func newUID() -> String {
        UUID().uuidString.lowercased()
    }

    // MARK: - Organizations

    func organizationIndex(_ slug: String) throws(SimulatorError) -> Int {
        guard let index = organizations.firstIndex(where: { $0.organization.slug == slug }) else { throw .notFound() }
        return index
    }

    func listOrganizations() -> [Organization] {
        organizations.map(\.organization)
    }

    func organization(slug: String) throws(SimulatorError) -> Organization {
        var organization = organizations[try organizationIndex(slug)].organization
        organization.memberCount = organizations[try organizationIndex(slug)].members.count
        return organization
    }

    func members(organization slug: String, search: String?, role: String?) throws(SimulatorError) -> [OrganizationMember] {
        let members = organizations[try organizationIndex(slug)].members
        let needle = search?.lowercased()
        return members.filter { member in
            if let role, member.role?.rawValue != role.lowercased() { return false }
            if let needle, !needle.isEmpty {
                let haystack = [member.username, member.email, member.fullName].compactMap { $0?.lowercased() }
                return haystack.contains { $0.contains(needle) }
            }
            return true
        }
    }

    func pendingInvitations(organization slug: String) throws(SimulatorError) -> [Invitation] {
        organizations[try organizationIndex(slug)].invitations.filter { $0.status == .pending }
    }

    func createInvitation(organization slug: String, email: String, role: String?) throws(SimulatorError) -> Invitation {
        let index = try organizationIndex(slug)
        let trimmed = email.trimmingCharacters(in: .whitespaces)
        guard Self.looksLikeEmail(trimmed) else { throw .invalid("email", "Enter a valid email address.") }
        let memberRole = MemberRole(rawValue: role ?? "member")
        guard [MemberRole.owner, .admin, .member].contains(memberRole) else {
            throw .invalid("role", "\"\(role ?? "")\" is not a valid choice.")
        }
        let record = organizations[index]
        if record.members.contains(where: { $0.email?.lowercased() == trimmed.lowercased() }) {
            throw .invalid("email", "This user is already a member of the organization.")
        }
        if record.invitations.contains(where: { $0.status == .pending && $0.invitedEmail.lowercased() == trimmed.lowercased() }) {
            throw .invalid("email", "A pending invitation already exists for this email.")
        }
        let now = Date()
        let uid = newUID()
        let invitation = Invitation(
            uid: uid,
            invitedEmail: trimmed,
            organizationName: record.organization.name,
            organizationSlug: record.organization.slug,
            invitedByUsername: record.members.first?.username,
            role: memberRole,
            status: .pending,
            expiresAt: now.addingTimeInterval(7 * 86_400),
            isExpired: false,
            createdAt: now
        )
        organizations[index].invitations.append(invitation)
        return invitation
    }

    func invitationPosition(organization slug: String?, uid: String) throws(SimulatorError) -> (Int, Int) {
        for (orgIndex, record) in organizations.enumerated() where slug == nil || record.organization.slug == slug {
            if let invIndex = record.invitations.firstIndex(where: { $0.uid == uid }) { return (orgIndex, invIndex) }
        }
        throw .notFound()
    }

    func resendInvitation(organization slug: String, uid: String) throws(SimulatorError) {
        let (org, inv) = try invitationPosition(organization: slug, uid: uid)
        guard organizations[org].invitations[inv].status == .pending else {
            throw .detail(.badRequest, "Only pending invitations can be resent.")
        }
        organizations[org].invitations[inv].expiresAt = Date().addingTimeInterval(7 * 86_400)
        organizations[org].invitations[inv].isExpired = false
    }

    func cancelInvitation(organization slug: String, uid: String) throws(SimulatorError) {
        let (org, inv) = try invitationPosition(organization: slug, uid: uid)
        guard organizations[org].invitations[inv].status == .pending else {
            throw .detail(.badRequest, "Only pending invitations can be cancelled.")
        }
        organizations[org].invitations[inv].status = .cancelled
    }

    func removeMember(organization slug: String, userUID: String) throws(SimulatorError) {
        let index = try organizationIndex(slug)
        guard let position = organizations[index].members.firstIndex(where: { $0.userUID == userUID }) else {
            throw .notFound()
        }
        let member = organizations[index].members.remove(at: position)
        if let email = member.email { formerMembers[email.lowercased()] = member.userUID }
    }

    func changeRole(organization slug: String, userUID: String, role: String) throws(SimulatorError) -> OrganizationMember {
        let index = try organizationIndex(slug)
        guard let position = organizations[index].members.firstIndex(where: { $0.userUID == userUID }) else {
            throw .notFound()
        }
        let memberRole = MemberRole(rawValue: role)
        guard [MemberRole.owner, .admin, .member].contains(memberRole) else {
            throw .invalid("role", "\"\(role)\" is not a valid choice.")
        }
        organizations[index].members[position].role = memberRole
        return organizations[index].members[position]
    }

    func teams(organization slug: String) throws(SimulatorError) -> [Team] {
        organizations[try organizationIndex(slug)].teams.map(\.team)
    }

    func teamPosition(organization slug: String, team: String) throws(SimulatorError) -> (Int, Int) {
        let index = try organizationIndex(slug)
        guard let teamIndex = organizations[index].teams.firstIndex(where: { $0.team.slug == team }) else {
            throw .notFound()
        }
        return (index, teamIndex)
    }

    func team(organization slug: String, team: String) throws(SimulatorError) -> Team {
        let (org, index) = try teamPosition(organization: slug, team: team)
        var result = organizations[org].teams[index].team
        result.memberCount = organizations[org].teams[index].members.count
        return result
    }

    func teamMembers(organization slug: String, team: String) throws(SimulatorError) -> [TeamMember] {
        let (org, index) = try teamPosition(organization: slug, team: team)
        return organizations[org].teams[index].members
    }

    func addTeamMember(
        organization slug: String,
        team: String,
        userUID: String,
        role: String?
    ) throws(SimulatorError)
        -> TeamMember
    {
        let (org, index) = try teamPosition(organization: slug, team: team)
        guard let member = organizations[org].members.first(where: { $0.userUID == userUID }) else {
            throw .invalid("user_uid", "User is not a member of this organization.")
        }
        let teamRole = role ?? "member"
        guard ["lead", "member"].contains(teamRole) else { throw .invalid("role", "\"\(teamRole)\" is not a valid choice.") }
        if organizations[org].teams[index].members.contains(where: { $0.userUID == userUID }) {
            throw .invalid("user_uid", "User is already a member of this team.")
        }
        let added = TeamMember(
            userUID: userUID,
            username: member.username,
            email: member.email,
            role: teamRole,
            createdAt: Date()
        )
        organizations[org].teams[index].members.append(added)
        return added
    }

    // MARK: - Projects, datasets, tasks

    func listProjects() -> [Project] {
        projects.map(\.project)
    }

    func projects(owner: String, name: String?) -> [Project] {
        projects.map(\.project).filter {
            $0.ownerName == owner && (name == nil || $0.name.localizedCaseInsensitiveContains(name!))
        }
    }

    func project(uid: String) throws(SimulatorError) -> Project {
        guard let record = projects.first(where: { $0.project.uid == uid }) else { throw .notFound() }
        return record.project
    }

    func metrics(project uid: String) throws(SimulatorError) -> ProjectMetrics {
        guard let record = projects.first(where: { $0.project.uid == uid }), let metrics = record.metrics else {
            throw .notFound()
        }
        return metrics
    }

    func datasets(dataType: String?, name: String?, status: String?, visibility: String?) -> [Dataset] {
        datasets.filter {
            (dataType == nil || $0.dataType?.rawValue == dataType)
                && (name == nil || $0.name.localizedCaseInsensitiveContains(name!))
                && (status == nil || $0.status?.rawValue == status) && (visibility == nil || $0.visibility == visibility)
        }
    }

    func dataset(uid: String) throws(SimulatorError) -> Dataset {
        guard let dataset = datasets.first(where: { $0.uid == uid }) else { throw .notFound() }
        return dataset
    }

    func dataset(owner: String, slug: String) throws(SimulatorError) -> Dataset {
        guard let dataset = datasets.first(where: { $0.ownerName == owner && $0.slug == slug }) else { throw .notFound() }
        return dataset
    }

    func tasks(project: String?, status: String?) -> [AvalaTask] {
        tasks.filter { (project == nil || $0.project == project) && (status == nil || $0.status == status) }
    }

    func task(uid: String) throws(SimulatorError) -> AvalaTask {
        guard let task = tasks.first(where: { $0.uid == uid }) else { throw .notFound() }
        return task
    }

    static func looksLikeEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(" ")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
    }
}
