import Foundation
import Synchronization

/// Writes the event to a child's standard input, then closes it so the child sees the end.
///
/// The child's stdin is one end of a Unix socket pair rather than a pipe: `send` with `MSG_NOSIGNAL`
/// reports a child that exits without reading as an error, where writing to a pipe would raise
/// SIGPIPE and kill the whole bot. A thread of its own polls with a short timeout, so a child that never
/// reads blocks nobody and ``stop()`` takes effect promptly.
final class StdinFeeder: Sendable {
    private static let tickMilliseconds: Int32 = 50

    private let descriptor: Int32
    private let data: Data
    private let stopping = Atomic(false)

    /// Takes ownership of `descriptor` (our end of the socket pair): it is closed once everything is
    /// written, the child stops reading, or ``stop()`` is called.
    init(descriptor: Int32, data: Data) {
        self.descriptor = descriptor
        self.data = data
    }

    func start() {
        Thread { [self] in feed() }.start()
    }

    /// Gives up on a child that still has not read everything (it exited, or a grandchild kept stdin).
    func stop() { stopping.store(true, ordering: .relaxed) }

    private func feed() {
        #if canImport(Glibc)
        let flags = Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)
        #else
        let flags = MSG_DONTWAIT  // Darwin: SO_NOSIGPIPE is set on the socket when it is made
        #endif
        var offset = 0
        while offset < data.count, !stopping.load(ordering: .relaxed) {
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&poller, 1, Self.tickMilliseconds)
            if ready < 0, errno == EINTR { continue }
            if ready < 0 { break }
            if ready == 0 { continue }
            let sent = data.withUnsafeBytes { bytes in
                send(descriptor, bytes.baseAddress! + offset, data.count - offset, flags)
            }
            if sent > 0 {
                offset += sent
            } else if sent < 0, errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK {
                continue
            } else {
                break  // the child closed its stdin (EPIPE): it did not want the rest
            }
        }
        close(descriptor)
    }
}
