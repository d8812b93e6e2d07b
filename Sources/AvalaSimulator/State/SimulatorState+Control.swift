import AvalaAPI
import Foundation
import HTTPTypes

extension SimulatorState {
    /// A member joins (no webhook: Avala sends none for members).
    func addMember(
        organization slug: String,
        email: String,
        username: String?,
        role: String?,
        recordsJoinDate: Bool = true
    ) throws(SimulatorError)
        -> OrganizationMember
    {
        let index = try organizationIndex(slug)
        guard Self.looksLikeEmail(email) else { throw .invalid("email", "Enter a valid email address.") }
        if organizations[index].members.contains(where: { $0.email?.lowercased() == email.lowercased() }) {
            throw .invalid("email", "This user is already a member of the organization.")
        }
        let memberRole = MemberRole(rawValue: role ?? "member")
        guard [MemberRole.owner, .admin, .member].contains(memberRole) else {
            throw .invalid("role", "\"\(role ?? "")\" is not a valid choice.")
        }
        let name = username ?? String(email.split(separator: "@")[0])
        let member = OrganizationMember(
            userUID: formerMembers[email.lowercased()] ?? newUID(),
            username: name,
            email: email,
            fullName: name.capitalized,
            role: memberRole,
            createdAt: recordsJoinDate ? Date() : nil
        )
        organizations[index].members.append(member)
        organizations[index].organization.memberCount = organizations[index].members.count
        return member
    }

    /// Many members at once, for large-organization tests and benchmarks: `user{n}@{domain}`.
    func addGeneratedMembers(organization slug: String, count: Int, domain: String) throws(SimulatorError) {
        let index = try organizationIndex(slug)
        let start = organizations[index].members.count
        let now = Date()
        organizations[index].members.reserveCapacity(start + count)
        for n in start..<(start + count) {
            organizations[index].members.append(
                OrganizationMember(
                    userUID: newUID(),
                    username: "user\(n)",
                    email: "user\(n)@\(domain)",
                    fullName: "User \(n)",
                    role: .member,
                    createdAt: now
                )
            )
        }
        organizations[index].organization.memberCount = organizations[index].members.count
    }

    /// The invitee joins the organization with the invitation's role.
    func acceptInvitation(uid: String) throws(SimulatorError) -> OrganizationMember {
        let (org, inv) = try invitationPosition(organization: nil, uid: uid)
        let invitation = organizations[org].invitations[inv]
        guard invitation.status == .pending else { throw .detail(.badRequest, "Invitation is not pending.") }
        guard invitation.isExpired != true else { throw .detail(.badRequest, "Invitation has expired.") }
        organizations[org].invitations[inv].status = .accepted
        return try addMember(
            organization: organizations[org].organization.slug,
            email: invitation.invitedEmail,
            username: nil,
            role: invitation.role?.rawValue
        )
    }

    /// Its expiry passes now. It stays in the pending list, `is_expired: true`, as an invitation past its
    /// `expires_at` does until it is resent (which renews it) or cancelled: what the listing shows is then
    /// the evidence of expiry a watcher needs.
    func expireInvitation(uid: String) throws(SimulatorError) -> Invitation {
        let (org, inv) = try invitationPosition(organization: nil, uid: uid)
        guard organizations[org].invitations[inv].status == .pending, organizations[org].invitations[inv].isExpired != true else {
            throw .detail(.badRequest, "Invitation is not pending.")
        }
        organizations[org].invitations[inv].isExpired = true
        organizations[org].invitations[inv].expiresAt = Date()
        return organizations[org].invitations[inv]
    }

    func createProject(
        uid: String?,
        name: String,
        status: String?,
        owner: String?,
        metrics: ProjectMetrics?
    )
        throws(SimulatorError) -> Project
    {
        guard !name.isEmpty else { throw .invalid("name", "This field is required.") }
        let uid = uid ?? newUID()
        if projects.contains(where: { $0.project.uid == uid }) { throw .invalid("uid", "A project with this uid exists.") }
        let now = Date()
        let project = Project(
            uid: uid,
            name: name,
            status: ProjectStatus(rawValue: status ?? "active"),
            taskType: "image-annotation",
            ownerName: owner ?? organizations.first?.organization.slug,
            isActive: (status ?? "active") == "active",
            createdAt: now,
            updatedAt: now
        )
        projects.append(ProjectRecord(project: project, metrics: metrics))
        return project
    }

    /// Many projects at once, for benchmarks.
    func addGeneratedProjects(count: Int) {
        let now = Date()
        projects.reserveCapacity(projects.count + count)
        for n in 0..<count {
            projects.append(
                ProjectRecord(
                    project: Project(
                        uid: newUID(),
                        name: "generated-\(n)",
                        status: .active,
                        taskType: "image-annotation",
                        ownerName: organizations.first?.organization.slug,
                        isActive: true,
                        createdAt: now,
                        updatedAt: now
                    ),
                    metrics: ProjectMetrics(totalTasks: 100, completedTasks: n % 100, acceptanceRate: 0.9)
                )
            )
        }
    }

    func updateProject(uid: String, status: String?, metrics: ProjectMetrics?) throws(SimulatorError) -> Project {
        guard let index = projects.firstIndex(where: { $0.project.uid == uid }) else { throw .notFound() }
        if let status {
            projects[index].project.status = ProjectStatus(rawValue: status)
            projects[index].project.isActive = status == "active"
        }
        if let metrics { projects[index].metrics = metrics }
        projects[index].project.updatedAt = Date()
        return projects[index].project
    }

    /// Annotation progress: the metrics move, the project record (and its `updated_at`) does not, since
    /// the API documents no link between the two.
    func setProjectMetrics(uid: String, metrics: ProjectMetrics) throws(SimulatorError) {
        guard let index = projects.firstIndex(where: { $0.project.uid == uid }) else { throw .notFound() }
        projects[index].metrics = metrics
    }

    /// A dataset is created, and the `dataset.created` webhook fires.
    func createDataset(
        uid: String?,
        name: String,
        slug: String?,
        owner: String?,
        dataType: String?,
        itemCount: Int?
    )
        throws(SimulatorError) -> Dataset
    {
        guard !name.isEmpty else { throw .invalid("name", "This field is required.") }
        let now = Date()
        let slug = slug ?? name.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: "-")
        let owner = owner ?? organizations.first?.organization.slug ?? "acme-ai"
        if datasets.contains(where: { $0.ownerName == owner && $0.slug == slug }) {
            throw .invalid("slug", "A dataset with this slug already exists.")
        }
        let dataset = Dataset(
            uid: uid ?? newUID(),
            name: name,
            slug: slug,
            itemCount: itemCount ?? 0,
            ownerName: owner,
            status: .created,
            dataType: DataType(rawValue: dataType ?? "image"),
            isSequence: false,
            visibility: "private",
            createdAt: now,
            updatedAt: now
        )
        datasets.append(dataset)
        emit("dataset.created", resource: dataset)
        return dataset
    }

    /// A task is completed, and the `task.completed` webhook fires.
    func completeTask(uid: String) throws(SimulatorError) -> AvalaTask {
        guard let index = tasks.firstIndex(where: { $0.uid == uid }) else { throw .notFound() }
        tasks[index].status = "completed"
        tasks[index].updatedAt = Date()
        emit("task.completed", resource: tasks[index])
        return tasks[index]
    }
}
