import BotKit
import Foundation
import Synchronization

/// An ``OutboundHTTP`` for plugin tests: records every request and answers from a script.
///
/// ```swift
/// let http = RecordingOutboundHTTP(responses: [OutboundResponse(status: 500), OutboundResponse(status: 200)])
/// let http = RecordingOutboundHTTP { request in OutboundResponse(status: request.url.hasSuffix("/down") ? 503 : 200) }
/// ```
final class RecordingOutboundHTTP: OutboundHTTP {
    private let recorded = Mutex<[OutboundRequest]>([])
    private let scripted: Mutex<[OutboundResponse]>
    private let handler: (@Sendable (OutboundRequest) async throws -> OutboundResponse)?

    /// Answers with `responses` in order, then `200` with an empty body once they run out.
    init(responses: [OutboundResponse] = []) {
        scripted = Mutex(responses)
        handler = nil
    }

    /// Answers with whatever `handler` returns or throws (a thrown error is a network failure).
    init(handler: @escaping @Sendable (OutboundRequest) async throws -> OutboundResponse) {
        scripted = Mutex([])
        self.handler = handler
    }

    /// Answers with `results` in order (a failure is thrown, as a network failure), then `200` with an
    /// empty body once they run out.
    convenience init(results: [Result<OutboundResponse, any Error>]) {
        let remaining = Mutex(results[...])
        self.init { _ in
            try remaining.withLock { remaining in
                guard let next = remaining.popFirst() else { return OutboundResponse(status: 200) }
                return try next.get()
            }
        }
    }

    /// Every request sent so far, in order.
    var requests: [OutboundRequest] { recorded.withLock { $0 } }

    func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        recorded.withLock { $0.append(request) }
        if let handler { return try await handler(request) }
        return scripted.withLock { $0.isEmpty ? OutboundResponse(status: 200) : $0.removeFirst() }
    }
}
