import Foundation

extension AvalaClient {
    /// Starts an export in one of the three request shapes.
    ///
    /// Not retried after a server or transport failure unless `retrySafe` is set: a second POST would
    /// start a second export.
    public func createExport(_ export: ExportRequest, retrySafe: Bool = false) async throws -> Export {
        let request: AvalaRequest
        switch export {
        case .sdkProject(let project):
            request = AvalaRequest(.post, Self.path("exports"), body: try Self.json(["project": .string(project)]), retrySafe: retrySafe)
        case .sdkDataset(let dataset):
            request = AvalaRequest(.post, Self.path("exports"), body: try Self.json(["dataset": .string(dataset)]), retrySafe: retrySafe)
        case .documented(let name, let format, let projects, let datasets, let slices, let filter):
            var body: [String: JSONValue] = [
                "name": .string(name), "format": .string(format),
                "projects": .array(projects.map(JSONValue.string)), "datasets": .array(datasets.map(JSONValue.string)),
                "slices": .array(slices.map(JSONValue.string)),
            ]
            if let filter { body["filter_query_string"] = .string(filter) }
            request = AvalaRequest(.post, Self.path("exports"), body: try Self.json(body), retrySafe: retrySafe)
        case .projectScoped(let project, let format):
            request = AvalaRequest(
                .post,
                try AvalaPath("projects", project, "exports"),
                body: try Self.json(["format": .string(format)]),
                retrySafe: retrySafe
            )
        }
        return try await send(request)
    }

    /// `GET /exports/{uid}/`.
    public func export(uid: String) async throws -> Export {
        try await send(AvalaRequest(.get, try AvalaPath("exports", uid)))
    }

    /// `GET /exports/`, newest first, every page.
    public func exports(ordering: String? = nil, pageSize: Int? = nil) -> Paginated<Export> {
        paginate(
            AvalaRequest(.get, Self.path("exports"), query: [("ordering", ordering), ("limit", pageSize.map(String.init))])
        )
    }

    /// `GET /exports/` from where an earlier listing stopped: `next` is the link of the last page read
    /// then (``Page/next``), checked like any `next` link. Nil when the link cannot be followed.
    public func exports(continuing next: String) -> Paginated<Export>? {
        let first = AvalaRequest(.get, Self.path("exports"))
        guard let request = followingRequest(after: first, next: next) else { return nil }
        return paginate(request)
    }

    static func json(_ object: [String: JSONValue]) throws -> Data {
        try AvalaJSON.makeEncoder().encode(object)
    }
}
