import AvalaAPI
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Applies injected faults: added latency, a body that stalls after its head, an error status (429 with `Retry-After`, a 3xx with a
/// `Location`), a body of the fault's own (malformed or wrongly shaped), or a dropped connection.
struct FaultMiddleware<Context: RequestContext>: RouterMiddleware {
    let state: SimulatorState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let relative = path.hasPrefix(AvalaSimulator.apiRoot) ? String(path.dropFirst(AvalaSimulator.apiRoot.count)) : path
        var matched = await state.fault(method: request.method.rawValue, path: relative)
        if matched == nil, relative != path { matched = await state.fault(method: request.method.rawValue, path: path) }
        guard let fault = matched else {
            return try await next(request, context)
        }
        if let latency = fault.latencyMs, latency > 0 {
            try await Task.sleep(for: .milliseconds(latency))
        }
        if let stall = fault.stallBodyMs, stall > 0 {
            // The head goes out at once (a closure body is written after it); the body waits.
            var response = try await next(request, context)
            let answer = response.body
            response.body = ResponseBody(contentLength: answer.contentLength) { writer in
                try await Task.sleep(for: .milliseconds(stall))
                try await answer.write(writer)
            }
            return response
        }
        if fault.dropAfterHandling == true {
            _ = try await next(request, context)
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .contentLength: "64"],
                body: ResponseBody { _ in throw DroppedConnection() }
            )
        }
        if fault.drop == true {
            // Promise a body and fail while writing it: the server closes the connection mid-response.
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .contentLength: "64"],
                body: ResponseBody { _ in throw DroppedConnection() }
            )
        }
        if let text = fault.body {
            // Instead of handling the request: the client sees this answer, and nothing changed.
            return Response(
                status: HTTPResponse.Status(code: fault.status ?? 200),
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: text))
            )
        }
        guard let status = fault.status else { return try await next(request, context) }
        var error: SimulatorError
        switch status {
        case 429:
            let seconds = fault.retryAfterHeader ?? String(fault.retryAfter ?? 1)
            error = .detail(.tooManyRequests, "Request was throttled. Expected available in \(seconds) seconds.")
            error.headers[AvalaHeaders.retryAfter] = seconds
        case 300..<400:
            error = SimulatorError(status: HTTPResponse.Status(code: status), body: .object([:]))
            error.headers[.location] = fault.location ?? "https://elsewhere.invalid\(path)"
        default:
            error = .detail(HTTPResponse.Status(code: status), "Simulated fault (HTTP \(status)).")
        }
        throw error
    }
}

/// Thrown inside a response body to cut the connection.
struct DroppedConnection: Error {}
