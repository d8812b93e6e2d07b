public import AvalaAPI
import Foundation

/// The control surface as Swift methods: the same operations as the `/_sim/…` routes.
extension AvalaSimulator {
    /// A member joins an organization; someone who was a member before keeps their user uid.
    ///
    /// - Parameter recordsJoinDate: false lists the membership without `created_at`, which the API may
    ///   leave out.
    @discardableResult
    public func addMember(
        organization: String,
        email: String,
        username: String? = nil,
        role: MemberRole = .member,
        recordsJoinDate: Bool = true
    )
        async throws -> OrganizationMember
    {
        try await state.addMember(
            organization: organization,
            email: email,
            username: username,
            role: role.rawValue,
            recordsJoinDate: recordsJoinDate
        )
    }

    /// `count` members `user{n}@{domain}` join at once.
    public func addGeneratedMembers(organization: String, count: Int, domain: String = "example.com") async throws {
        try await state.addGeneratedMembers(organization: organization, count: count, domain: domain)
    }

    public func removeMember(organization: String, userUID: String) async throws {
        try await state.removeMember(organization: organization, userUID: userUID)
    }

    @discardableResult
    public func changeRole(organization: String, userUID: String, role: MemberRole) async throws -> OrganizationMember {
        try await state.changeRole(organization: organization, userUID: userUID, role: role.rawValue)
    }

    /// The invitee becomes a member.
    @discardableResult
    public func acceptInvitation(uid: String) async throws -> OrganizationMember {
        try await state.acceptInvitation(uid: uid)
    }

    @discardableResult
    public func expireInvitation(uid: String) async throws -> Invitation {
        try await state.expireInvitation(uid: uid)
    }

    /// Every invitation of an organization, answered ones included.
    public func allInvitations(organization: String) async throws -> [Invitation] {
        try await state.organizations[state.organizationIndex(organization)].invitations
    }

    @discardableResult
    public func createProject(
        uid: String? = nil,
        name: String,
        status: ProjectStatus = .active,
        owner: String? = nil,
        metrics: ProjectMetrics? = nil
    ) async throws -> Project {
        try await state.createProject(uid: uid, name: name, status: status.rawValue, owner: owner, metrics: metrics)
    }

    public func addGeneratedProjects(count: Int) async {
        await state.addGeneratedProjects(count: count)
    }

    @discardableResult
    public func updateProject(uid: String, status: ProjectStatus? = nil, metrics: ProjectMetrics? = nil) async throws -> Project {
        try await state.updateProject(uid: uid, status: status?.rawValue, metrics: metrics)
    }

    /// Annotation progress: `/projects/{uid}/metrics/` answers `metrics` from now on, while the project
    /// and its `updated_at` stay as they were (``updateProject(uid:status:metrics:)`` moves both).
    public func progressProject(uid: String, metrics: ProjectMetrics) async throws {
        try await state.setProjectMetrics(uid: uid, metrics: metrics)
    }

    /// Terminal now; the `export.completed` webhook fires.
    @discardableResult
    public func finishExport(uid: String) async throws -> Export {
        try await state.finishExport(uid: uid)
    }

    /// Terminal now, failed; the `export.failed` webhook fires.
    @discardableResult
    public func failExport(uid: String, error: String? = nil) async throws -> Export {
        try await state.failExport(uid: uid, error: error)
    }

    /// A dataset is created; the `dataset.created` webhook fires.
    @discardableResult
    public func createDataset(
        name: String,
        slug: String? = nil,
        owner: String? = nil,
        dataType: DataType = .image,
        itemCount: Int = 0
    )
        async throws -> Dataset
    {
        try await state.createDataset(uid: nil, name: name, slug: slug, owner: owner, dataType: dataType.rawValue, itemCount: itemCount)
    }

    /// A task is completed; the `task.completed` webhook fires.
    @discardableResult
    public func completeTask(uid: String) async throws -> AvalaTask {
        try await state.completeTask(uid: uid)
    }

    public func injectFault(_ fault: Fault) async {
        await state.addFault(fault)
    }

    public func clearFaults() async {
        await state.clearFaults()
    }

    /// Every API request seen so far, oldest first, without keys.
    public func requests() async -> [RecordedRequest] {
        await state.recordedRequests()
    }

    public func clearRequests() async {
        await state.clearRecordedRequests()
    }

    /// Writes `next` links against another base (a test of links that point to another host).
    public func setNextLinkBase(_ base: String?) async {
        await state.setNextLinkBase(base)
    }

    /// Breaks paging the way a faulty server would, until set to nil or reset.
    public func setPaginationQuirk(_ quirk: PaginationQuirk?) async {
        await state.setPaginationQuirk(quirk)
    }

    /// Webhook deliveries so far, newest first.
    public func deliveries() async -> [WebhookDelivery] {
        await state.listDeliveries()
    }

    /// The most API requests that were in progress at once since the last call (latency faults make
    /// overlap visible).
    public func maxConcurrentRequests() async -> Int {
        await state.takeMaxInFlight()
    }

    /// Back to the seed.
    public func reset() async {
        await state.reset()
    }
}
