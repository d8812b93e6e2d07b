import Foundation
import Synchronization

/// Writes the event to a child's standard input, then closes it so the child sees the end.
///
/// The child's stdin is one end of a Unix socket pair rather than a pipe: `send` with `MSG_NOSIGNAL`
/// reports a child that exits without reading as an error, where writing to a pipe would raise
/// SIGPIPE and kill the whole bot. A dispatch write source keeps a child that never reads from
/// blocking a thread.
final class StdinFeeder: Sendable {
    /// Behind a lock only because Dispatch's source types are not `Sendable`; `cancel` is thread-safe.
    private let source: Mutex<any DispatchSourceWrite>

    /// Takes ownership of `descriptor` (our end of the socket pair): it is closed once everything is
    /// written, the child stops reading, or ``stop()`` is called.
    init(descriptor: Int32, data: Data, queue: DispatchQueue) {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        let source = DispatchSource.makeWriteSource(fileDescriptor: descriptor, queue: queue)
        #if canImport(Glibc)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0  // Darwin: SO_NOSIGPIPE is set on the socket instead
        #endif
        let offset = Mutex(0)
        source.setEventHandler {
            let done = offset.withLock { offset -> Bool in
                while offset < data.count {
                    let sent = data.withUnsafeBytes { bytes in
                        send(descriptor, bytes.baseAddress! + offset, data.count - offset, flags)
                    }
                    if sent > 0 {
                        offset += sent
                    } else if sent < 0, errno == EINTR {
                        continue
                    } else if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                        return false
                    } else {
                        return true  // the child closed its stdin (EPIPE): it did not want the rest
                    }
                }
                return true
            }
            if done { source.cancel() }
        }
        source.setCancelHandler { close(descriptor) }
        self.source = Mutex(source)
    }

    func start() { source.withLock { $0.resume() } }

    /// Gives up on a child that still has not read everything (it exited, or a grandchild kept stdin).
    func stop() { source.withLock { $0.cancel() } }
}
