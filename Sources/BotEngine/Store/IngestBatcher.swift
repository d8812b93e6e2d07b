import BotKit

/// Group commit for `ingest`: concurrent callers are written together, in one transaction and one fsync.
///
/// A caller that finds nobody writing becomes the *leader*: it writes its own request together with every
/// request queued so far (up to `maxEventsPerFlush` events), hands each waiting caller its result, and
/// returns. Callers that arrive while a write is in progress queue up and wait. When the leader is done
/// and requests are still queued, it hands the lead to the oldest waiting caller, which writes the next
/// batch. So each caller writes at most one batch (its own), nobody is kept writing for others forever,
/// and no task is ever started: the callers' own tasks do all the work.
///
/// Requests are written in the order they arrived, so when two of them carry the same key, the earlier
/// one wins. The write function decides how one request's failure affects the others (see
/// ``SQLiteEventStore``, which isolates each request in a savepoint).
///
/// Waiting is not cancellable: once queued, a request is written, because the leader may already have
/// taken it into its transaction.
actor IngestBatcher {
    /// One `ingest` call, already encoded.
    struct Request: Sendable {
        var events: [PreparedEvent]
        /// Snapshot key and compact JSON value, in key order.
        var snapshots: [(key: String, value: String)]
    }

    typealias Response = Result<[IngestResult], any Error>

    /// Writes a batch in one transaction; one response per request, in order.
    typealias Flush = @Sendable ([Request]) async -> [Response]

    /// What a waiting caller is woken with.
    private enum Turn: Sendable {
        /// Its request was written by a leader.
        case written(Response)
        /// Its request is still queued, and it now leads.
        case lead
    }

    private struct Waiter {
        var request: Request
        var continuation: CheckedContinuation<Turn, Never>
    }

    private let maxEventsPerFlush: Int
    /// Whether some caller is leading (writing, or about to).
    private var leading = false
    /// Oldest first.
    private var waiting: [Waiter] = []
    /// Tests wait here for a number of queued requests; see ``waitUntilQueued(_:)``.
    private var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    init(maxEventsPerFlush: Int) {
        self.maxEventsPerFlush = max(1, maxEventsPerFlush)
    }

    /// Writes `request`, alone or with others, and returns its response.
    ///
    /// - Parameters:
    ///   - request: One caller's events and snapshots.
    ///   - flush: Writes a batch; used only if this caller ends up leading.
    func submit(_ request: Request, flush: Flush) async -> Response {
        if leading {
            let turn = await withCheckedContinuation { continuation in
                waiting.append(Waiter(request: request, continuation: continuation))
                wakeWatchers()
            }
            if case .written(let response) = turn { return response }
        } else {
            leading = true
        }

        let others = takeQueued(after: request.events.count)
        let responses = await flush([request] + others.map(\.request))
        precondition(responses.count == others.count + 1, "a flush returns one response per request")
        for (waiter, response) in zip(others, responses.dropFirst()) {
            waiter.continuation.resume(returning: .written(response))
        }
        if waiting.isEmpty {
            leading = false
        } else {
            waiting.removeFirst().continuation.resume(returning: .lead)
        }
        return responses[0]
    }

    /// Requests queued behind the current leader.
    var queuedCount: Int { waiting.count }

    /// Returns once at least `count` requests are queued behind a leader. For tests, which use it to
    /// know that callers have arrived while a write is held up, instead of sleeping.
    func waitUntilQueued(_ count: Int) async {
        if waiting.count >= count { return }
        await withCheckedContinuation { continuation in
            watchers.append((count, continuation))
        }
    }

    /// The oldest queued requests that fit in one flush beside the leader's own `ownCount` events.
    private func takeQueued(after ownCount: Int) -> [Waiter] {
        var total = ownCount
        var taken = 0
        for waiter in waiting {
            total += waiter.request.events.count
            if total > maxEventsPerFlush { break }
            taken += 1
        }
        let batch = Array(waiting.prefix(taken))
        waiting.removeFirst(taken)
        return batch
    }

    private func wakeWatchers() {
        let count = waiting.count
        watchers.removeAll { watcher in
            guard watcher.count <= count else { return false }
            watcher.continuation.resume()
            return true
        }
    }
}
