import AvalaAPI
import Hummingbird

/// Like the real API (Django's APPEND_SLASH), a path without its trailing slash is answered with a
/// redirect to the slashed path, which the SDK and this client refuse to follow.
struct TrailingSlashMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard !path.hasSuffix("/") else { return try await next(request, context) }
        var error = SimulatorError(status: .movedPermanently, body: .object([:]))
        error.headers[.location] = path + "/" + (request.uri.query.map { "?" + $0 } ?? "")
        throw error
    }
}
