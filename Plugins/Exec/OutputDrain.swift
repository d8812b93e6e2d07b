import Foundation
import Synchronization

/// Reads one of a child's output pipes as data arrives, keeping only the last `limit` bytes.
///
/// A thread of its own polls the descriptor with a short timeout, so it notices ``stop()`` promptly and
/// can abandon a pipe that a left-behind grandchild still holds open; no thread of the cooperative pool
/// ever blocks. Both pipes are drained at once, so a child that fills one while we wait on the other
/// never deadlocks. (No dispatch source: registering and closing many descriptors with libdispatch's
/// event loop while other code does the same proved fragile on Linux.)
final class OutputDrain: Sendable {
    struct Output: Hashable, Sendable {
        /// The last bytes the stream carried, at most the drain's limit.
        var tail: Data
        /// Every byte read, kept or not.
        var total: Int
    }

    private struct State {
        var tail = Data()
        var total = 0
        var done = false
        var waiter: CheckedContinuation<Output, Never>?
        var output: Output { Output(tail: tail, total: total) }
    }

    private static let chunk = 64 * 1024
    /// How often the reading thread looks at the stop flag while the pipe is quiet.
    private static let tickMilliseconds: Int32 = 50

    private let descriptor: Int32
    private let limit: Int
    private let state = Mutex(State())
    private let stopping = Atomic(false)

    /// Takes ownership of `descriptor` (our end of the pipe): it is closed when the drain ends.
    init(descriptor: Int32, limit: Int) {
        self.descriptor = descriptor
        self.limit = max(limit, 0)
    }

    func start() {
        Thread { [self] in drain() }.start()
    }

    /// Stops reading (within a tick); ``finished()`` then returns what was read so far. Safe to call
    /// more than once.
    func stop() { stopping.store(true, ordering: .relaxed) }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: Self.chunk)
        while !stopping.load(ordering: .relaxed) {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Self.tickMilliseconds)
            if ready < 0, errno == EINTR { continue }
            if ready < 0 { break }
            if ready == 0 { continue }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, Self.chunk) }
            if count > 0 {
                let limit = self.limit
                state.withLock { state in
                    state.total += count
                    state.tail.append(contentsOf: buffer[0..<count])
                    // Trimmed in batches, so keeping the tail stays linear in the output's size.
                    if state.tail.count > limit * 2 + Self.chunk { state.tail = Data(state.tail.suffix(limit)) }
                }
                continue
            }
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            break  // end of file, or an error: nothing more will come
        }
        close(descriptor)
        let limit = self.limit
        let waiter = state.withLock { state -> (CheckedContinuation<Output, Never>, Output)? in
            state.done = true
            state.tail = Data(state.tail.suffix(limit))
            defer { state.waiter = nil }
            return state.waiter.map { ($0, state.output) }
        }
        waiter.map { $0.0.resume(returning: $0.1) }
    }

    /// What the stream carried, once it reached its end or ``stop()`` was called. One caller only.
    func finished() async -> Output {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Output? in
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
