extension AvalaClient {
    /// `GET /datasets/`, every page.
    public func datasets(
        dataType: DataType? = nil,
        name: String? = nil,
        status: DatasetStatus? = nil,
        visibility: String? = nil,
        pageSize: Int? = nil
    ) -> Paginated<Dataset> {
        paginate(
            AvalaRequest(
                .get,
                Self.path("datasets"),
                query: [
                    ("data_type", dataType?.rawValue), ("name", name), ("status", status?.rawValue),
                    ("visibility", visibility), ("limit", pageSize.map(String.init)),
                ]
            )
        )
    }

    /// `GET /datasets/{uid}/`.
    public func dataset(uid: String) async throws -> Dataset {
        try await send(AvalaRequest(.get, try AvalaPath("datasets", uid)))
    }

    /// `GET /datasets/{owner}/{slug}/`; `owner` is an organization slug or a username.
    public func dataset(owner: String, slug: String) async throws -> Dataset {
        try await send(AvalaRequest(.get, try AvalaPath("datasets", owner, slug)))
    }

    /// `GET /datasets/{owner}/{slug}/items/`, every page.
    public func datasetItems(owner: String, slug: String, pageSize: Int? = nil) throws -> Paginated<DatasetItem> {
        paginate(
            AvalaRequest(.get, try AvalaPath("datasets", owner, slug, "items"), query: [("limit", pageSize.map(String.init))])
        )
    }

    /// `GET /datasets/{owner}/{slug}/items/{item_uid}/`.
    public func datasetItem(owner: String, slug: String, uid: String) async throws -> DatasetItem {
        try await send(AvalaRequest(.get, try AvalaPath("datasets", owner, slug, "items", uid)))
    }

    /// A fixed path of literal segments.
    static func path(_ segments: StaticString...) -> AvalaPath {
        AvalaPath(literals: segments)
    }
}
