extension AvalaClient {
    /// `GET /users/me/projects/`, every page: the projects this key can see (the SDK's listing).
    public func projects(pageSize: Int? = nil) -> Paginated<Project> {
        paginate(AvalaRequest(.get, Self.path("users", "me", "projects"), query: [("limit", pageSize.map(String.init))]))
    }

    /// `GET /projects/{owner}/`, every page: the documented per-owner listing.
    public func projects(
        owner: String,
        name: String? = nil,
        ordering: String? = nil,
        pageSize: Int? = nil
    ) throws
        -> Paginated<Project>
    {
        paginate(
            AvalaRequest(
                .get,
                try AvalaPath("projects", owner),
                query: [("name", name), ("ordering", ordering), ("limit", pageSize.map(String.init))]
            )
        )
    }

    /// `GET /users/me/projects/{uid}/`.
    public func project(uid: String) async throws -> Project {
        try await send(AvalaRequest(.get, try AvalaPath("users", "me", "projects", uid)))
    }

    /// `GET /projects/{uid}/metrics/`, or nil when the API has no metrics for it (404): only one source
    /// documents this endpoint, so its absence is a normal answer.
    public func projectMetrics(uid: String) async throws -> ProjectMetrics? {
        do {
            return try await send(AvalaRequest(.get, try AvalaPath("projects", uid, "metrics")))
        } catch let error as AvalaError where error.code == .notFound {
            return nil
        }
    }
}
