import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// A TLS server channel whose connections must finish their handshake within `deadline`: the base
/// channel's setup, then a ``TLSHandshakeDeadline`` and a ``TLSHandshakeFailureLog`` right behind its TLS
/// handler, and a ``PlainHTTPRefusal`` in front of it, for a sender that speaks plain HTTP to the TLS port.
struct HandshakeDeadlineChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let deadline: TimeAmount
    /// Shared by the server's connections: the log says a sender used http://, or that handshakes fail
    /// for one reason, once a minute at most.
    let notices: RefusalLogGate

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            // The setup runs before the connection is read from, so the handshake cannot be over yet.
            let operations = channel.pipeline.syncOperations
            let tls = try operations.handler(type: NIOSSLServerHandler.self)
            try operations.addHandler(TLSHandshakeDeadline(deadline: deadline), position: .after(tls))
            try operations.addHandler(TLSHandshakeFailureLog(gate: notices, logger: logger), position: .after(tls))
            try operations.addHandler(PlainHTTPRefusal(notice: notices, logger: logger), position: .before(tls))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
