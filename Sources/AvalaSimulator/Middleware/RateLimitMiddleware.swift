import Foundation
import Hummingbird

/// Per-key budget per minute with `X-RateLimit-*` on every answer; 429 with `Retry-After` beyond it.
struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let state: SimulatorState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let key = request.headers[AvalaHeaders.apiKey] ?? ""
        let now = Date()
        let decision = await state.spendRateBudget(key: key, now: now)
        let reset = String(Int(decision.reset.timeIntervalSince1970.rounded(.up)))
        guard decision.allowed else {
            let seconds = max(1, Int(decision.reset.timeIntervalSince(now).rounded(.up)))
            var error = SimulatorError.detail(
                .tooManyRequests,
                "Request was throttled. Expected available in \(seconds) seconds."
            )
            error.headers[AvalaHeaders.retryAfter] = String(seconds)
            error.headers[AvalaHeaders.rateLimitLimit] = String(decision.limit)
            error.headers[AvalaHeaders.rateLimitRemaining] = "0"
            error.headers[AvalaHeaders.rateLimitReset] = reset
            throw error
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as SimulatorError {
            var error = error
            error.headers[AvalaHeaders.rateLimitLimit] = String(decision.limit)
            error.headers[AvalaHeaders.rateLimitRemaining] = String(decision.remaining)
            error.headers[AvalaHeaders.rateLimitReset] = reset
            throw error
        }
        response.headers[AvalaHeaders.rateLimitLimit] = String(decision.limit)
        response.headers[AvalaHeaders.rateLimitRemaining] = String(decision.remaining)
        response.headers[AvalaHeaders.rateLimitReset] = reset
        return response
    }
}
