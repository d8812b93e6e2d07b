import NIOCore
import NIOPosix

/// Binds the listener's address once and lets it go: whether `run` could bind it now. `run` checks before
/// it starts anything, and `check-config` with its environment reports what it finds as a warning.
enum ListenerAddressCheck {
    /// Succeeds when `host:port` could be bound; fails with the socket's error (``WebhookListenerError/bindFailure(_:setting:host:port:)``
    /// words it for the operator).
    static func bind(host: String, port: Int) -> EventLoopFuture<Void> {
        // SO_REUSEADDR, as the listener binds: a socket closed a moment ago does not count as in use.
        ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port)
            .flatMap { $0.close() }
    }
}
