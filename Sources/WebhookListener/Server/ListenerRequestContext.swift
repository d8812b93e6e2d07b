public import Hummingbird
public import NIOCore

/// The request context of the listener's router: Hummingbird's basics plus the peer address, which the
/// allowlist and the per-IP limit need.
public struct ListenerRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The connection's event loop: the body read's time limit is a timer there (see ``WebhookEndpoint``).
    public let eventLoop: any EventLoop

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        eventLoop = source.channel.eventLoop
    }
}
