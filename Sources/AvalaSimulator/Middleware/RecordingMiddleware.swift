import Hummingbird

/// Records every API request (without its key) for tests to assert on (`GET /_sim/requests`), and counts
/// the requests in progress.
struct RecordingMiddleware<Context: RequestContext>: RouterMiddleware {
    let state: SimulatorState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 1_048_576)
        let text = body.readableBytes > 0 ? String(decoding: body.readableBytesView.prefix(4096), as: UTF8.self) : nil
        var recorded = RecordedRequest(
            method: request.method.rawValue,
            path: request.uri.path,
            query: request.uri.query,
            body: text,
            hasAPIKey: request.headers[AvalaHeaders.apiKey] != nil,
            status: nil
        )
        await state.requestStarted()
        let result: Result<Response, any Error>
        do {
            result = .success(try await next(request, context))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let response): recorded.status = Int(response.status.code)
        case .failure(let error as any HTTPResponseError): recorded.status = Int(error.status.code)
        case .failure: recorded.status = 500
        }
        await state.requestFinished()
        await state.record(recorded)
        return try result.get()
    }
}
