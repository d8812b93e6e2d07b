import Hummingbird

/// Checks `X-Avala-Api-Key`: 401 without a known key; 403 when a scoped key lacks the route's scope.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let apiKey: String
    let scopedKeys: [String: Set<String>]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = request.headers[AvalaHeaders.apiKey], !key.isEmpty else {
            throw SimulatorError.detail(.unauthorized, "Authentication credentials were not provided.")
        }
        if key == apiKey { return try await next(request, context) }
        guard let scopes = scopedKeys[key] else {
            throw SimulatorError.detail(.unauthorized, "Invalid API key.")
        }
        guard let needed = Self.scope(method: request.method.rawValue, path: request.uri.path), scopes.contains(needed) else {
            throw SimulatorError.detail(.forbidden, "You do not have permission to perform this action.")
        }
        return try await next(request, context)
    }

    /// The scope a route needs; nil: only an unscoped key (full organization access) may call it.
    static func scope(method: String, path: String) -> String? {
        let relative = path.dropFirst(AvalaSimulator.apiRoot.count)
        let reading = method == "GET"
        if relative.hasPrefix("/datasets/") { return reading ? "datasets.read" : "datasets.write" }
        if relative.hasPrefix("/exports/") || (relative.hasPrefix("/projects/") && relative.hasSuffix("/exports/")) {
            return reading ? "projects.read" : "exports.create"
        }
        if relative.hasPrefix("/users/me/projects/") || relative.hasPrefix("/projects/") {
            return reading ? "projects.read" : nil
        }
        if relative.hasPrefix("/tasks/") { return reading ? "tasks.read" : nil }
        return nil
    }
}
