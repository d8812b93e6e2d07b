import Foundation
public import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A small HTTP server for tests that stands in for "somewhere else": another host a link points to, or
/// a webhook receiver. It records every request and answers with the statuses it is given, in order
/// (then 200).
public final class RecordingServer: Sendable {
    public struct Received: Sendable {
        public let method: String
        public let path: String
        public let headers: HTTPFields
        public let body: [UInt8]

        /// The first value of the header `name`, compared without case.
        public func header(_ name: String) -> String? {
            HTTPField.Name(name).flatMap { headers[$0] }
        }
    }

    private let state = Mutex<(received: [Received], statuses: [Int], stopping: Bool)>(([], [], false))
    /// The answers send their head and the body's first bytes, then stall until the server stops.
    private let stallsBody: Bool

    /// The first bytes of a stalled answer's body (``init(statuses:stallsBody:)``).
    public static let stalledBodyStart = #"{"received": "#

    public init(statuses: [Int] = [], stallsBody: Bool = false) {
        self.stallsBody = stallsBody
        state.withLock { $0.statuses = statuses }
    }

    public var received: [Received] { state.withLock { $0.received } }

    /// Serves on a free loopback port while `body` runs; `body` gets `http://127.0.0.1:PORT`.
    public func serve<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let port = OneShot<Int>()
        let app = Application(
            responder: CatchAll(server: self),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.set(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "recording-server", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let group = ServiceGroup(
            configuration: .init(services: [app], logger: Logger(label: "recording-server", factory: { _ in SwiftLogNoOpLogHandler() }))
        )
        return try await group.whileRunning {
            // Stalled answers end once the body is done, so the server's graceful stop need not wait.
            defer { state.withLock { $0.stopping = true } }
            return try await body("http://127.0.0.1:\(await port.wait())")
        }
    }

    /// Answers every method and path, so nothing is lost to a 404 from routing.
    private struct CatchAll: HTTPResponder {
        typealias Context = BasicRequestContext
        let server: RecordingServer

        func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
            try await server.record(request, context: context)
        }
    }

    fileprivate func record(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var request = request
        let buffer = try await request.collectBody(upTo: 4_194_304)
        let status: Int = state.withLock { state in
            state.received.append(
                Received(
                    method: request.method.rawValue,
                    path: request.uri.path,
                    headers: request.headers,
                    body: Array(buffer.readableBytesView)
                )
            )
            return state.statuses.isEmpty ? 200 : state.statuses.removeFirst()
        }
        let answer = ByteBuffer(string: #"{"received": true}"#)
        guard stallsBody else {
            return Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: answer))
        }
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/json"],
            body: ResponseBody(contentLength: answer.readableBytes) { [self] writer in
                try await writer.write(ByteBuffer(string: Self.stalledBodyStart))
                while !state.withLock({ $0.stopping }) { try await Task.sleep(for: .milliseconds(20)) }
                try await writer.write(
                    answer.getSlice(at: Self.stalledBodyStart.utf8.count, length: answer.readableBytes - Self.stalledBodyStart.utf8.count)!
                )
                try await writer.finish(nil)
            }
        )
    }
}
