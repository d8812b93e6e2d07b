import AvalaAPI
import Foundation
import Hummingbird

/// The `/api/v1/…` routes: the endpoints of the real Avala API, in the official SDK's shapes.
struct APIRoutes {
    let state: SimulatorState
    let links: @Sendable () async -> String

    func register(on api: RouterGroup<BasicRequestContext>) {
        registerDatasets(on: api)
        registerProjects(on: api)
        registerExports(on: api)
        registerTasks(on: api)
        registerOrganizations(on: api)
        registerWebhooks(on: api)
    }

    func paginator() async -> Paginator {
        Paginator(linkBase: await links(), quirk: await state.currentPaginationQuirk())
    }
}

extension RequestContext {
    /// A path parameter, percent-decoded (the SDK does not encode slugs and uids; this client does).
    func parameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }
}
