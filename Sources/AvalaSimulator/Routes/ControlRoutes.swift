import AvalaAPI
import Foundation
import Hummingbird

/// `/_sim/…`: the simulator's own control surface (no key), the same operations as ``AvalaSimulator``'s
/// Swift API. The real Avala API has nothing like it.
struct ControlRoutes {
    let simulator: AvalaSimulator

    func register(on control: RouterGroup<BasicRequestContext>) {
        let state = simulator.state
        control.post("organizations/:slug/members") { request, context in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            let member = try await state.addMember(
                organization: try context.parameter("slug"),
                email: try body.requiredString("email"),
                username: try body.string("username"),
                role: try body.string("role")
            )
            return SimulatorResponse.json(member, status: .created)
        }
        control.post("organizations/:slug/members/generate") { request, context in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            try await state.addGeneratedMembers(
                organization: try context.parameter("slug"),
                count: try body.int("count") ?? 1,
                domain: try body.string("domain") ?? "example.com"
            )
            return SimulatorResponse.json(try await state.organization(slug: try context.parameter("slug")))
        }
        control.delete("organizations/:slug/members/:user") { _, context in
            try await state.removeMember(organization: try context.parameter("slug"), userUID: try context.parameter("user"))
            return SimulatorResponse.noContent()
        }
        control.patch("organizations/:slug/members/:user") { request, context in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            return SimulatorResponse.json(
                try await state.changeRole(
                    organization: try context.parameter("slug"),
                    userUID: try context.parameter("user"),
                    role: try body.requiredString("role")
                )
            )
        }
        control.post("invitations/:uid/accept") { _, context in
            SimulatorResponse.json(try await state.acceptInvitation(uid: try context.parameter("uid")))
        }
        control.post("invitations/:uid/expire") { _, context in
            SimulatorResponse.json(try await state.expireInvitation(uid: try context.parameter("uid")))
        }
        control.post("projects") { request, _ in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            let project = try await state.createProject(
                uid: try body.string("uid"),
                name: try body.requiredString("name"),
                status: try body.string("status"),
                owner: try body.string("owner"),
                metrics: try Self.metrics(body)
            )
            return SimulatorResponse.json(project, status: .created)
        }
        control.patch("projects/:uid") { request, context in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            return SimulatorResponse.json(
                try await state.updateProject(
                    uid: try context.parameter("uid"),
                    status: try body.string("status"),
                    metrics: try Self.metrics(body)
                )
            )
        }
        control.post("exports/:uid/finish") { _, context in
            SimulatorResponse.json(try await state.finishExport(uid: try context.parameter("uid")))
        }
        control.post("exports/:uid/fail") { request, context in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            return SimulatorResponse.json(
                try await state.failExport(uid: try context.parameter("uid"), error: try body.string("error"))
            )
        }
        control.post("datasets") { request, _ in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            let dataset = try await state.createDataset(
                uid: try body.string("uid"),
                name: try body.requiredString("name"),
                slug: try body.string("slug"),
                owner: try body.string("owner_name") ?? body.string("owner"),
                dataType: try body.string("data_type"),
                itemCount: try body.int("item_count")
            )
            return SimulatorResponse.json(dataset, status: .created)
        }
        control.post("tasks/:uid/complete") { _, context in
            SimulatorResponse.json(try await state.completeTask(uid: try context.parameter("uid")))
        }
        control.post("faults") { request, _ in
            var request = request
            let buffer = try await request.collectBody(upTo: 65_536)
            let fault: Fault
            do {
                fault = try JSONDecoder().decode(Fault.self, from: Data(buffer.readableBytesView))
            } catch {
                throw SimulatorError.detail(.badRequest, "A fault needs path_prefix: \(AvalaClientErrorText.describe(error))")
            }
            await state.addFault(fault)
            return SimulatorResponse.json(fault, status: .created)
        }
        control.delete("faults") { _, _ in
            await state.clearFaults()
            return SimulatorResponse.noContent()
        }
        control.get("requests") { _, _ in
            SimulatorResponse.json(await state.recordedRequests())
        }
        control.delete("requests") { _, _ in
            await state.clearRecordedRequests()
            return SimulatorResponse.noContent()
        }
        control.put("next-link-base") { request, _ in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            await state.setNextLinkBase(try body.string("base"))
            return SimulatorResponse.noContent()
        }
        control.put("pagination-quirk") { request, _ in
            var request = request
            let body = try await SimulatorResponse.object(&request)
            var quirk: PaginationQuirk?
            if let name = try body.string("quirk") {
                guard let known = PaginationQuirk(rawValue: name) else {
                    throw SimulatorError.invalid("quirk", "Use repeat_next, empty_pages, oldest_first or null.")
                }
                quirk = known
            }
            await state.setPaginationQuirk(quirk)
            return SimulatorResponse.noContent()
        }
        control.post("reset") { _, _ in
            await state.reset()
            return SimulatorResponse.noContent()
        }
    }

    static func metrics(_ body: [String: JSONValue]) throws(SimulatorError) -> ProjectMetrics? {
        guard case .object(let metrics)? = body["metrics"] else { return nil }
        guard let total = try metrics.int("total_tasks"), let completed = try metrics.int("completed_tasks") else {
            throw .invalid("metrics", "total_tasks and completed_tasks are required.")
        }
        return ProjectMetrics(totalTasks: total, completedTasks: completed, acceptanceRate: metrics["acceptance_rate"]?.numberValue)
    }
}
