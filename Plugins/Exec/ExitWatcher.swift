import Dispatch
import Foundation
import Synchronization

/// Waits for a child's exit on a thread of its own, and signals its process group only while it runs.
///
/// The thread blocks in `waitid` for as long as the child lives, outside the cooperative pool. It first
/// waits without reaping (`WNOWAIT`), then reaps and records the exit under the same lock that
/// ``stopGroup(grace:)`` signals under: so a pid is never signalled after it was reaped and could have
/// been reused.
///
/// ``stopGroup(grace:)`` holds the reaping back until it is done: a child that dies of its SIGTERM
/// stays a zombie, so its pid (the group's id) cannot be reused, and the group's SIGKILL still reaches
/// a background process that ignored the SIGTERM.
final class ExitWatcher: Sendable {
    enum Termination: Hashable, Sendable {
        case exit(Int32)
        case signal(Int32)
        /// The exit status was lost (someone else reaped the child).
        case unknown
    }

    private enum State {
        case running(waiter: CheckedContinuation<Termination, Never>?)
        case exited(Termination)
    }

    private let pid: pid_t
    private let state = Mutex(State.running(waiter: nil))
    /// Set by ``stopGroup(grace:)`` while the child runs: the watcher then reaps only after `reapGate`.
    private let stopping = Mutex(false)
    private let reapGate = DispatchSemaphore(value: 0)

    /// Starts watching `pid`, a child of this process that nothing else waits for.
    init(pid: pid_t) {
        self.pid = pid
        Thread { [self] in watch() }.start()
    }

    private func watch() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0, errno == EINTR {}
        // `stopping` is checked in the same critical section as the reap, and stopGroup sets it under the
        // same lock: either it was set before (and the reap waits for the group's SIGKILL), or the child
        // is reaped first and stopGroup finds it exited and sends nothing.
        var gateOpened = false
        var reaped: (waiter: CheckedContinuation<Termination, Never>?, termination: Termination)?
        while reaped == nil {
            reaped = reap(unlessStopping: !gateOpened)
            if reaped == nil {
                reapGate.wait()
                gateOpened = true
            }
        }
        if let reaped { reaped.waiter?.resume(returning: reaped.termination) }
    }

    /// Reaps the exited child and records how it ended, or does nothing (nil) when `unlessStopping` and a
    /// group stop is under way.
    private func reap(unlessStopping: Bool) -> (waiter: CheckedContinuation<Termination, Never>?, termination: Termination)? {
        state.withLock { state -> (CheckedContinuation<Termination, Never>?, Termination)? in
            if unlessStopping, stopping.withLock({ $0 }) { return nil }
            var status: Int32 = 0
            var reaped: pid_t
            repeat { reaped = waitpid(pid, &status, 0) } while reaped < 0 && errno == EINTR
            // The <sys/wait.h> macros are not visible to Swift: the low 7 bits are the terminating signal,
            // 0 for a normal exit whose status is in the next byte.
            let termination: Termination =
                reaped != pid ? .unknown : status & 0x7f == 0 ? .exit((status >> 8) & 0xff) : .signal(status & 0x7f)
            guard case .running(let waiter) = state else { return (nil, termination) }
            state = .exited(termination)
            return (waiter, termination)
        }
    }

    /// Stops the child's whole process group: SIGTERM, then after `grace` SIGKILL, which reaches the
    /// group even when the child itself died of the SIGTERM (a shell whose background worker ignores
    /// it). The child is reaped only after that.
    ///
    /// - Returns: false when the child had already exited, and nothing was sent.
    func stopGroup(grace: Duration) async -> Bool {
        let started = state.withLock { state -> Bool in
            guard case .running = state else { return false }
            stopping.withLock { $0 = true }
            if kill(-pid, SIGTERM) != 0 { _ = kill(pid, SIGTERM) }
            return true
        }
        guard started else { return false }
        await Self.sleep(for: grace)
        // Not reaped yet (the watcher waits for the gate), so the group id is still this child's.
        if kill(-pid, SIGKILL) != 0 { _ = kill(pid, SIGKILL) }
        reapGate.signal()
        return true
    }

    /// Waits `duration` even in a cancelled task, where `Task.sleep` returns at once: a run cancelled
    /// while the bot stops still owes its program the grace between SIGTERM and SIGKILL.
    private static func sleep(for duration: Duration) async {
        let (seconds, attoseconds) = duration.components
        let nanoseconds =
            seconds >= Int64(Int.max / 1_000_000_000) ? Int.max : Int(max(seconds, 0)) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { continuation.resume() }
        }
    }

    /// How the child ended. One caller only; not cancellable, so the child is always reaped first.
    func termination() async -> Termination {
        await withCheckedContinuation { continuation in
            let ended = state.withLock { state -> Termination? in
                switch state {
                case .exited(let termination):
                    return termination
                case .running:
                    state = .running(waiter: continuation)
                    return nil
                }
            }
            if let ended { continuation.resume(returning: ended) }
        }
    }
}
