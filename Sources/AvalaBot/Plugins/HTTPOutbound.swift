import AsyncHTTPClient
import AvalaAPI
import BotKit
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Outbound HTTP for plugins that declared it (alert receivers, forward targets), over one shared
/// AsyncHTTPClient: no redirects followed (a receiver URL must not bounce a signed body elsewhere), the
/// request's own timeout over the whole exchange, and a bounded answer. In a dry run every request is
/// refused.
///
/// Both refusals are permanent (``ActionError/permanent(_:)``): neither a dry run nor a URL's scheme
/// changes between attempts, so the action is dead-lettered at once instead of retried.
struct HTTPOutbound: OutboundHTTP {
    let client: HTTPClient
    let dryRun: Bool
    /// The answer kept, at most: receivers answer `ok` or a short error.
    var maxResponseBytes = 64 * 1024

    static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        if dryRun { throw ActionError.permanent(OutboundDryRunRefusal().description) }
        guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw ActionError.permanent(OutboundURLRefusal(url: request.url).description)
        }
        var http = HTTPClientRequest(url: request.url)
        http.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { http.headers.add(name: name, value: value) }
        if http.headers["User-Agent"].isEmpty { http.headers.add(name: "User-Agent", value: "avala-bot") }
        if let body = request.body { http.body = .bytes(ByteBuffer(bytes: body)) }
        let deadline = ContinuousClock.now + request.timeout
        do {
            // The client's own timeout ends with the response head; the body is read by `deadline` below.
            let response = try await client.execute(http, timeout: .init(request.timeout))
            var headers: [String: String] = [:]
            for header in response.headers { headers[header.name.lowercased()] = header.value }
            let body = await Self.start(of: response, keeping: maxResponseBytes, until: deadline)
            try Task.checkCancellation()
            return OutboundResponse(status: Int(response.status.code), headers: headers, body: body)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // In words ("connection refused"), not NIO's text, which for a host name lists each address tried.
            throw OutboundTransportFailure(description: TransportFailure.describe(error, peer: "the receiver"))
        }
    }
}

extension HTTPOutbound {
    /// The start of `response`'s body: its first `limit` bytes, or what came by `deadline`. The head
    /// holds the answer (its status decides); the body is kept only to quote an error. So a receiver that
    /// stalls its body, or streams one without end, neither holds the action past its timeout nor has a
    /// request it accepted sent again. Reading stops there, which closes the connection.
    static func start(of response: HTTPClientResponse, keeping limit: Int, until deadline: ContinuousClock.Instant) async -> Data {
        let kept = KeptBytes()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await chunk in response.body where !kept.append(chunk.readableBytesView, limit: limit) { break }
                } catch {
                    // A body cut short after its head: what came is kept, the status stands.
                }
            }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
        return kept.bytes
    }
}

/// The bytes of an answer read so far, shared between its reader and the deadline.
private final class KeptBytes: Sendable {
    private let data = Mutex(Data())

    /// Keeps what of `chunk` fits under `limit`; false once the limit is reached.
    func append(_ chunk: ByteBufferView, limit: Int) -> Bool {
        data.withLock { data in
            data.append(contentsOf: chunk.prefix(limit - data.count))
            return data.count < limit
        }
    }

    var bytes: Data { data.withLock { $0 } }
}

/// A request that got no answer, said in words.
struct OutboundTransportFailure: Error, CustomStringConvertible {
    let description: String
}

struct OutboundDryRunRefusal: Error, CustomStringConvertible {
    var description: String { "dry run: no outbound request was sent" }
}

/// Only http(s) URLs; the message shows scheme and host only, since a URL may carry a token.
struct OutboundURLRefusal: Error, CustomStringConvertible {
    let url: String
    var description: String {
        let shown = URL(string: url).map { "\($0.scheme ?? "?")://\($0.host ?? "?")" } ?? "an unparsable URL"
        return "refused to send to \(shown): only http and https URLs are allowed"
    }
}
