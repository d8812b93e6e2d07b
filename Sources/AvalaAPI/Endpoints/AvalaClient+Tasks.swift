extension AvalaClient {
    /// `GET /tasks/`, filtered by project and status, every page.
    public func tasks(_ filter: TaskFilter = TaskFilter(), pageSize: Int? = nil) -> Paginated<AvalaTask> {
        paginate(
            AvalaRequest(
                .get,
                Self.path("tasks"),
                query: [("project", filter.project), ("status", filter.status), ("limit", pageSize.map(String.init))]
            )
        )
    }

    /// `GET /tasks/{uid}/`.
    public func task(uid: String) async throws -> AvalaTask {
        try await send(AvalaRequest(.get, try AvalaPath("tasks", uid)))
    }
}
