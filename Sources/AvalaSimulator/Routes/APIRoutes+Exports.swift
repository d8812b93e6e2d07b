import AvalaAPI
import Hummingbird

extension APIRoutes {
    func registerExports(on api: RouterGroup<BasicRequestContext>) {
        api.get("exports/") { request, _ in
            try await paginator().page(await state.listExports(), request: request)
        }
        api.get("exports/:uid/") { _, context in
            SimulatorResponse.json(try await state.export(uid: try context.parameter("uid")))
        }
        // Both documented bodies: the SDK's `{project}` / `{dataset}` and `{name, format, projects, …}`.
        api.post("exports/") { request, _ in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            var projects = try body.strings("projects") ?? []
            var datasets = try body.strings("datasets") ?? []
            if let project = try body.string("project") { projects.append(project) }
            if let dataset = try body.string("dataset") { datasets.append(dataset) }
            if body["name"] != nil || body["format"] != nil {
                // The documented shape requires both.
                _ = try body.requiredString("name")
                _ = try body.requiredString("format")
            }
            let export = try await state.createExport(
                name: try body.string("name"),
                format: try body.string("format"),
                projects: projects,
                datasets: datasets,
                slices: try body.strings("slices") ?? []
            )
            return SimulatorResponse.json(export, status: .created)
        }
        api.post("projects/:uid/exports/") { request, context in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            let export = try await state.createExport(
                name: nil,
                format: try body.requiredString("format"),
                projects: [try context.parameter("uid")],
                datasets: [],
                slices: []
            )
            return SimulatorResponse.json(export, status: .created)
        }
    }
}
