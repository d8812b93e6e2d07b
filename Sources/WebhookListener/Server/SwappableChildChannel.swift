import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// A server child channel that can be replaced while the server runs: each connection is set up, and
/// then handled to its end, by the channel that was current when it was accepted. A replacement
/// applies to the connections accepted after it; those already open keep theirs.
final class SwappableChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        /// The channel that set the connection up, kept so that the same one handles it.
        let base: Base
        let value: Base.Value
        var channel: any Channel { value.channel }
    }

    private let current: Mutex<Base>

    init(_ base: Base) {
        current = Mutex(base)
    }

    func replace(with base: Base) {
        current.withLock { $0 = base }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let base = current.withLock { $0 }
        return base.setup(channel: channel, logger: logger).map { Value(base: base, value: $0) }
    }

    func handle(value: Value, logger: Logger) async {
        await value.base.handle(value: value.value, logger: logger)
    }
}
