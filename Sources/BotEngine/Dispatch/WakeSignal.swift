import Synchronization

/// Wakes whoever waits for work: the dispatcher when a producer stored an event, an action waiting for
/// a plugin permit when another finished. A wake with nobody waiting is remembered once.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes every waiter, or the next one to wait.
    public func wake() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.waiters.isEmpty else {
                state.pending = true
                return []
            }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns at the next wake, after `timeout`, or when cancelled, whichever is first.
    func wait(timeout: Duration) async {
        // A wake that came while nobody waited — the usual case under load, when producers wake the
        // dispatcher while it is still busy — is taken without the task group and timer below.
        let woken = state.withLock { state -> Bool in
            defer { state.pending = false }
            return state.pending
        }
        if woken { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForWake() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Waiters registered and not yet woken; tests use it to wake only once someone waits.
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    private func waitForWake() async {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
