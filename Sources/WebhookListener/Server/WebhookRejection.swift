import BotKit
public import HTTPTypes
public import Hummingbird
import NIOCore

/// A refused delivery: its status and a short reason for the sender, as `{"error": reason}`.
///
/// Reasons are fixed phrases; none names a secret, the expected signature or which secret was tried.
public struct WebhookRejection: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let reason: String
    /// `Retry-After` seconds, for 429 and 503.
    public let retryAfter: Int?

    public init(_ status: HTTPResponse.Status, _ reason: String, retryAfter: Int? = nil) {
        self.status = status
        self.reason = reason
        self.retryAfter = retryAfter
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        let body = ListenerJSON.object(["error": .string(reason)])
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
