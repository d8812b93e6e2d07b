import NIOCore
import NIOTLS

/// Closes a connection whose TLS handshake has not completed within `deadline`, then steps aside.
///
/// With HTTP/2 on, the HTTP idle timers are set up only once ALPN has picked a protocol, that is after
/// the handshake: without this, a client that opens a connection and never finishes its handshake holds
/// a socket (and a file descriptor) for as long as it likes, and no per-IP limit sees it (no request
/// ever arrives). It sits right behind the TLS handler, whose "handshake completed" event it waits for.
/// A server that stops before the handshake is over closes the connection at once.
final class TLSHandshakeDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let deadline: TimeAmount
    private var timer: Scheduled<Void>?

    init(deadline: TimeAmount) {
        self.deadline = deadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The server is stopping and this connection has sent no request yet (its handshake is not over):
        // nothing to finish, so it is closed now rather than at the deadline, which would hold the
        // shutdown for up to `request_timeout`.
        if event is ChannelShouldQuiesceEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
        if case .handshakeCompleted = event as? TLSUserEvent {
            stop()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard timer == nil else { return }
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: deadline) { channel.close(promise: nil) }
    }

    private func stop() {
        timer?.cancel()
        timer = nil
    }
}
