extension AvalaClient {
    /// `GET /organizations/`, every page (page-number paginated).
    public func organizations() -> Paginated<Organization> {
        paginate(AvalaRequest(.get, Self.path("organizations")))
    }

    /// `GET /organizations/{slug}/`.
    public func organization(slug: String) async throws -> Organization {
        try await send(AvalaRequest(.get, try AvalaPath("organizations", slug)))
    }

    /// `GET /organizations/{slug}/members/`, every page.
    public func members(
        organization: String,
        search: String? = nil,
        role: MemberRole? = nil,
        pageSize: Int? = nil
    ) throws
        -> Paginated<OrganizationMember>
    {
        paginate(
            AvalaRequest(
                .get,
                try AvalaPath("organizations", organization, "members"),
                query: [("search", search), ("role", role?.rawValue), ("limit", pageSize.map(String.init))]
            )
        )
    }

    /// `DELETE /organizations/{slug}/members/{user_uid}/`.
    public func removeMember(organization: String, userUID: String) async throws {
        try await sendDiscardingBody(AvalaRequest(.delete, try AvalaPath("organizations", organization, "members", userUID)))
    }

    /// `PATCH /organizations/{slug}/members/{user_uid}/role/`: setting a role twice is harmless, so retried.
    public func updateMemberRole(organization: String, userUID: String, role: MemberRole) async throws {
        try await sendDiscardingBody(
            AvalaRequest(
                .patch,
                try AvalaPath("organizations", organization, "members", userUID, "role"),
                body: try Self.json(["role": .string(role.rawValue)]),
                retrySafe: true
            )
        )
    }

    /// `GET /organizations/{slug}/invitations/`: the pending invitations, every page.
    public func invitations(organization: String) throws -> Paginated<Invitation> {
        paginate(AvalaRequest(.get, try AvalaPath("organizations", organization, "invitations")))
    }

    /// `POST /organizations/{slug}/invitations/ {email, role}`. Not retried after a server or transport
    /// failure unless `retrySafe`: the caller checks pending invitations before sending again.
    public func createInvitation(
        organization: String,
        email: String,
        role: MemberRole? = nil,
        retrySafe: Bool = false
    )
        async throws -> Invitation
    {
        var body: [String: JSONValue] = ["email": .string(email)]
        if let role { body["role"] = .string(role.rawValue) }
        return try await send(
            AvalaRequest(
                .post,
                try AvalaPath("organizations", organization, "invitations"),
                body: try Self.json(body),
                retrySafe: retrySafe
            )
        )
    }

    /// `POST /organizations/{slug}/invitations/{uid}/resend/`.
    public func resendInvitation(organization: String, uid: String) async throws {
        try await sendDiscardingBody(
            AvalaRequest(.post, try AvalaPath("organizations", organization, "invitations", uid, "resend"))
        )
    }

    /// `POST /organizations/{slug}/invitations/{uid}/cancel/`: cancelling twice is harmless, so retried.
    public func cancelInvitation(organization: String, uid: String) async throws {
        try await sendDiscardingBody(
            AvalaRequest(.post, try AvalaPath("organizations", organization, "invitations", uid, "cancel"), retrySafe: true)
        )
    }

    /// `GET /organizations/{slug}/teams/`, every page.
    public func teams(organization: String) throws -> Paginated<Team> {
        paginate(AvalaRequest(.get, try AvalaPath("organizations", organization, "teams")))
    }

    /// `GET /organizations/{slug}/teams/{team_slug}/`.
    public func team(organization: String, slug: String) async throws -> Team {
        try await send(AvalaRequest(.get, try AvalaPath("organizations", organization, "teams", slug)))
    }

    /// `GET /organizations/{slug}/teams/{team_slug}/members/`, every page.
    public func teamMembers(organization: String, team: String) throws -> Paginated<TeamMember> {
        paginate(AvalaRequest(.get, try AvalaPath("organizations", organization, "teams", team, "members")))
    }

    /// `POST /organizations/{slug}/teams/{team_slug}/members/ {user_uid, role}`.
    public func addTeamMember(
        organization: String,
        team: String,
        userUID: String,
        role: String? = nil
    ) async throws
        -> TeamMember
    {
        var body: [String: JSONValue] = ["user_uid": .string(userUID)]
        if let role { body["role"] = .string(role) }
        return try await send(
            AvalaRequest(.post, try AvalaPath("organizations", organization, "teams", team, "members"), body: try Self.json(body))
        )
    }
}
