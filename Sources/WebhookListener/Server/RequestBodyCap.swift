import NIOCore
import NIOHTTPTypes

/// Closes a connection (an HTTP/2 stream) whose request body runs well past `max_body`.
///
/// The endpoint stops reading at `max_body` and answers 413, but Hummingbird then reads the rest of the
/// body to its end before the next request, and over TLS every byte of it is decrypted: a 10 GB upload
/// would cost the listener 10 GB of work for one request nobody wanted. Past `max_body` plus `slack`
/// (room for the 413 to go out first) the connection is closed instead.
final class RequestBodyCap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    /// Room past the limit before closing: the 413 is written long before this much more arrives.
    static let slack = 1 << 20

    private let cap: Int
    private var received = 0
    private var closing = false

    init(maxBody: Int) {
        let (cap, overflow) = maxBody.addingReportingOverflow(Self.slack)
        self.cap = overflow ? Int.max : cap
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            received = 0
        case .body(let buffer):
            received += buffer.readableBytes
            guard received <= cap else {
                if !closing {
                    closing = true
                    context.close(promise: nil)
                }
                return
            }
        case .end:
            break
        }
        context.fireChannelRead(data)
    }
}
