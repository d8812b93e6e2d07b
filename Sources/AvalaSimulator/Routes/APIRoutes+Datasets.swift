import AvalaAPI
import Foundation
import Hummingbird

extension APIRoutes {
    func registerDatasets(on api: RouterGroup<BasicRequestContext>) {
        api.get("datasets/") { request, _ in
            let query = request.uri.queryParameters
            let items = await state.datasets(
                dataType: query.get("data_type"),
                name: query.get("name"),
                status: query.get("status"),
                visibility: query.get("visibility")
            )
            return try await paginator().page(items, request: request)
        }
        // One segment is a uid, two are owner and slug; the router needs one name per position.
        api.get("datasets/:owner/") { _, context in
            SimulatorResponse.json(try await state.dataset(uid: try context.parameter("owner")))
        }
        api.get("datasets/:owner/:slug/") { _, context in
            SimulatorResponse.json(try await state.dataset(owner: try context.parameter("owner"), slug: try context.parameter("slug")))
        }
        api.get("datasets/:owner/:slug/items/") { request, context in
            let dataset = try await state.dataset(owner: try context.parameter("owner"), slug: try context.parameter("slug"))
            return try await paginator().page(Self.items(of: dataset), request: request)
        }
        api.get("datasets/:owner/:slug/items/:item/") { _, context in
            let dataset = try await state.dataset(owner: try context.parameter("owner"), slug: try context.parameter("slug"))
            let uid = try context.parameter("item")
            guard let item = Self.items(of: dataset).first(where: { $0.uid == uid }) else { throw SimulatorError.notFound() }
            return SimulatorResponse.json(item)
        }
    }

    /// A dataset's items, generated from its `item_count` so large datasets cost no memory until listed.
    static func items(of dataset: Dataset) -> [DatasetItem] {
        let prefix = String(dataset.uid.prefix(24))
        let ext = dataset.dataType == .video ? "mp4" : "jpg"
        return (0..<dataset.itemCount).map { index in
            DatasetItem(
                uid: prefix + String(format: "%012d", index + 1),
                id: index + 1,
                key: String(format: "item-%05d.\(ext)", index + 1),
                dataset: dataset.uid,
                datasetOwnerName: dataset.ownerName,
                datasetSlug: dataset.slug,
                url: "https://media.avala.invalid/\(dataset.slug)/\(index + 1).\(ext)",
                isHidden: false,
                metadata: ["index": .number(Double(index))],
                createdAt: dataset.createdAt,
                updatedAt: dataset.updatedAt
            )
        }
    }
}
