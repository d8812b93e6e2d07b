import Synchronization

/// Bounds how many requests are in flight at once; waiters are served in order and may be cancelled.
///
/// A lock rather than an actor, so that cancellation can remove a waiter synchronously from the
/// cancellation handler without starting a task.
final class AsyncSemaphore: Sendable {
    private struct State {
        var permits: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
        var cancelled: Set<UInt64> = []
    }

    private let state: Mutex<State>

    init(permits: Int) {
        self.state = Mutex(State(permits: max(permits, 1)))
    }

    func withPermit<T>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async throws {
        let id: UInt64? = state.withLock { state in
            if state.permits > 0 {
                state.permits -= 1
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelledEarly = state.withLock { state in
                    if state.cancelled.remove(id) != nil { return true }
                    state.waiters.append((id, continuation))
                    return false
                }
                if cancelledEarly { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                    return state.waiters.remove(at: index).continuation
                }
                // Cancelled before the continuation was stored: leave a mark for it.
                state.cancelled.insert(id)
                return nil
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if state.waiters.isEmpty {
                state.permits += 1
                return nil
            }
            // The permit passes straight to the next waiter.
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}
