import Logging
import NIOCore

/// Answers a plain-HTTP request sent to the TLS port with a plain-HTTP 400 that says to use https://, then
/// closes the connection.
///
/// Without it the TLS handler takes `POST /…` for a broken handshake and closes without a word: the sender
/// (Avala's delivery log, curl) sees an empty reply and the bot's log says nothing, so a webhook URL
/// written with `http://` looked like a dead listener. It sits in front of the TLS handler and looks at
/// the first byte only: a TLS record starts with 0x16, a request line with an upper-case letter. Anything
/// else goes on to the TLS handler, and this handler steps aside.
final class PlainHTTPRefusal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let body = #"{"error":"this port serves HTTPS: send to https:// instead of http://"}"#
    static let response =
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"

    /// Lets the log say so at most once a minute: a scanner sending plain HTTP must not flood it.
    private let notice: RefusalLogGate
    private let logger: Logger
    private var refused = false

    init(notice: RefusalLogGate, logger: Logger) {
        self.notice = notice
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The rest of a refused request: the connection is closing, nothing reads it.
        if refused { return }
        let buffer = unwrapInboundIn(data)
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first)
        else {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        refused = true
        if notice.admits("plain-http") {
            logger.warning(
                "Plain HTTP request on the TLS listener refused: the sender's URL must start with https://",
                metadata: ["client.address": "\(context.channel.remoteAddress?.ipAddress ?? "unknown")"]
            )
        }
        // Written from here, in front of the TLS handler: it goes out as plain text.
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: Self.response))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
