import AvalaAPI
import Hummingbird

extension APIRoutes {
    func registerProjects(on api: RouterGroup<BasicRequestContext>) {
        api.get("users/me/projects/") { request, _ in
            try await paginator().page(await state.listProjects(), request: request)
        }
        api.get("users/me/projects/:uid/") { _, context in
            SimulatorResponse.json(try await state.project(uid: try context.parameter("uid")))
        }
        // The documented per-owner listing; a project uid in the same position is not a listing.
        api.get("projects/:uid/") { request, context in
            let owner = try context.parameter("uid")
            let status = request.uri.queryParameters.get("status")?.lowercased()
            let items = await state.projects(owner: owner, name: request.uri.queryParameters.get("name"))
                .filter { status == nil || $0.status?.rawValue == status }
            return try await paginator().page(items, request: request)
        }
        api.get("projects/:uid/metrics/") { _, context in
            SimulatorResponse.json(try await state.metrics(project: try context.parameter("uid")))
        }
    }
}
