import BotKit
import Synchronization

/// Group commit for `ingest`: callers queue their requests, and one *drain* at a time writes whatever is
/// queued, in one transaction and one fsync per batch, then answers each caller.
///
/// The first caller that finds no drain running starts one (``submit(_:startDrain:)``'s `startDrain`,
/// which schedules it on the store's writer). The drain takes batches with ``nextBatch()`` and answers
/// them with ``answer(_:with:)`` until the queue is empty: callers that arrive while a batch is being
/// written wait for the next one, which starts as soon as the writer is free. No task hops between
/// batches and nobody hands over a lead, so under load the writer never idles while requests wait, and
/// each batch holds everything that arrived during the one before it.
///
/// Requests are written in the order they arrived, so when two of them carry the same key, the earlier
/// one wins. The write decides how one request's failure affects the others (see ``SQLiteEventStore``,
/// which isolates each request in a savepoint).
///
/// Waiting is not cancellable: once queued, a request is written, because the drain may already have
/// taken it into its transaction. The queue is bounded (`maxQueued`): past it a request is refused at
/// once with `.busy`, so a stuck writer does not gather every caller's request in memory.
final class IngestBatcher: Sendable {
    /// One `ingest` call, already encoded.
    struct Request: Sendable {
        var events: [PreparedEvent]
        /// Snapshot key and compact JSON value, in key order.
        var snapshots: [(key: String, value: String)]
    }

    typealias Response = Result<[IngestResult], any Error>

    /// Requests taken together by the drain; answer it with one response per request, in order.
    struct Batch: Sendable {
        var requests: [Request] { waiters.map(\.request) }
        fileprivate var waiters: [Waiter]
    }

    fileprivate struct Waiter: Sendable {
        var request: Request
        var continuation: CheckedContinuation<Response, Never>
    }

    private struct State {
        /// Oldest first.
        var waiting: [Waiter] = []
        /// Whether a drain is scheduled or running; it ends only by finding the queue empty.
        var draining = false
        /// Tests wait here for a number of queued requests; see ``waitUntilQueued(_:)``.
        var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let maxEventsPerFlush: Int
    private let maxQueued: Int
    private let state = Mutex(State())

    init(maxEventsPerFlush: Int, maxQueued: Int = .max) {
        self.maxEventsPerFlush = max(1, maxEventsPerFlush)
        self.maxQueued = max(1, maxQueued)
    }

    /// Queues `request` and returns its response once a drain wrote it.
    ///
    /// - Parameter startDrain: Schedules a drain; called (at most once per call, and never while another
    ///   drain is on) when this request finds none running. It must not run the drain inline.
    func submit(_ request: Request, startDrain: @Sendable () -> Void) async -> Response {
        await withCheckedContinuation { continuation in
            let (start, watchers) = state.withLock { state -> (Bool?, [CheckedContinuation<Void, Never>]) in
                // A full queue means the writer is stuck (a stalled disk): refuse rather than hold more.
                guard state.waiting.count < maxQueued else { return (nil, []) }
                state.waiting.append(Waiter(request: request, continuation: continuation))
                let count = state.waiting.count
                var woken: [CheckedContinuation<Void, Never>] = []
                state.watchers.removeAll { watcher in
                    guard watcher.count <= count else { return false }
                    woken.append(watcher.continuation)
                    return true
                }
                defer { state.draining = true }
                return (!state.draining, woken)
            }
            guard let start else {
                continuation.resume(
                    returning: .failure(
                        SQLiteEventStoreError(code: .busy, message: "\(maxQueued) writes are already waiting for the store")
                    )
                )
                return
            }
            for watcher in watchers { watcher.resume() }
            if start { startDrain() }
        }
    }

    /// For the drain: the oldest queued requests that fit in one transaction (a request larger than the
    /// cap goes alone, whole), or nil when nothing is queued — and then this drain is over, so the next
    /// ``submit(_:startDrain:)`` starts another.
    func nextBatch() -> Batch? {
        state.withLock { state in
            guard !state.waiting.isEmpty else {
                state.draining = false
                return nil
            }
            var total = 0
            var taken = 0
            for waiter in state.waiting {
                total += waiter.request.events.count
                if taken > 0 && total > maxEventsPerFlush { break }
                taken += 1
            }
            let batch = Batch(waiters: Array(state.waiting.prefix(taken)))
            state.waiting.removeFirst(taken)
            return batch
        }
    }

    /// For the drain: hands each caller of `batch` its response.
    func answer(_ batch: Batch, with responses: [Response]) {
        precondition(responses.count == batch.waiters.count, "a batch gets one response per request")
        for (waiter, response) in zip(batch.waiters, responses) {
            waiter.continuation.resume(returning: response)
        }
    }

    /// Requests queued and not yet taken by a drain.
    var queuedCount: Int { state.withLock { $0.waiting.count } }

    /// Returns once at least `count` requests are queued. For tests, which use it to know that callers
    /// have arrived while a write is held up, instead of sleeping.
    func waitUntilQueued(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.waiting.count >= count { return true }
                state.watchers.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
