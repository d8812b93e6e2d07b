import Foundation
import Synchronization

/// Reads one of a child's output pipes as data arrives, keeping only the last `limit` bytes.
///
/// A dispatch read source on a non-blocking descriptor, so no thread sits in `read` for the life of the
/// child, and ``stop()`` can abandon a pipe that a left-behind grandchild still holds open. Both pipes
/// are drained at once, so a child that fills one while we wait on the other never deadlocks.
final class OutputDrain: Sendable {
    struct Output: Hashable, Sendable {
        /// The last bytes the stream carried, at most the drain's limit.
        var tail: Data
        /// Every byte read, kept or not.
        var total: Int
    }

    /// Shared by the drain and its source's handlers, which cannot capture `self` before it exists.
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private struct State {
        var tail = Data()
        var total = 0
        var done = false
        var waiter: CheckedContinuation<Output, Never>?
        var output: Output { Output(tail: tail, total: total) }
    }

    private static let chunk = 64 * 1024
    /// Behind a lock only because Dispatch's source types are not `Sendable`; `cancel` is thread-safe.
    private let source: Mutex<any DispatchSourceRead>
    private let shared = Shared()

    /// Takes ownership of `descriptor` (our end of the pipe): it is closed when the drain ends.
    init(descriptor: Int32, limit: Int, queue: DispatchQueue) {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        let shared = shared
        let limit = max(limit, 0)
        source.setEventHandler {
            var buffer = [UInt8](repeating: 0, count: Self.chunk)
            // A bounded number of reads per wake-up: the source fires again while data is left, and a
            // child that writes without pause cannot keep this handler looping.
            for _ in 0..<16 {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, Self.chunk) }
                if count > 0 {
                    shared.state.withLock { state in
                        state.total += count
                        state.tail.append(contentsOf: buffer[0..<count])
                        // Trimmed in batches, so keeping the tail stays linear in the output's size.
                        if state.tail.count > limit * 2 + Self.chunk { state.tail = Data(state.tail.suffix(limit)) }
                    }
                    continue
                }
                if count < 0, errno == EINTR { continue }
                if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { return }
                source.cancel()  // end of file, or an error: nothing more will come
                return
            }
        }
        source.setCancelHandler {
            close(descriptor)
            let waiter = shared.state.withLock { state -> (CheckedContinuation<Output, Never>, Output)? in
                state.done = true
                state.tail = Data(state.tail.suffix(limit))
                defer { state.waiter = nil }
                return state.waiter.map { ($0, state.output) }
            }
            waiter.map { $0.0.resume(returning: $0.1) }
        }
        self.source = Mutex(source)
    }

    func start() { source.withLock { $0.resume() } }

    /// Stops reading now; ``finished()`` then returns what was read so far. Safe to call more than once.
    func stop() { source.withLock { $0.cancel() } }

    /// What the stream carried, once it reached its end or ``stop()`` was called. One caller only.
    func finished() async -> Output {
        await withCheckedContinuation { continuation in
            let ready = shared.state.withLock { state -> Output? in
                guard state.done else {
                    state.waiter = continuation
                    return nil
                }
                return state.output
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
