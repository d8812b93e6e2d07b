import AvalaAPI
import Hummingbird

extension APIRoutes {
    func registerTasks(on api: RouterGroup<BasicRequestContext>) {
        api.get("tasks/") { request, _ in
            let query = request.uri.queryParameters
            let items = await state.tasks(project: query.get("project"), status: query.get("status"))
            return try await paginator().page(items, request: request)
        }
        api.get("tasks/:uid/") { _, context in
            SimulatorResponse.json(try await state.task(uid: try context.parameter("uid")))
        }
    }
}
