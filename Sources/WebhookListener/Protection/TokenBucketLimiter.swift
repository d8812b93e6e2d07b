import BotEngine
import Synchronization

/// A token bucket per client address (`listener.per_ip`): `burst` requests at once, refilled at
/// `ratePerSecond`.
///
/// The table forgets a bucket once it has refilled (a new bucket starts full, so forgetting changes
/// nothing for that client). It is pruned when it outgrows a threshold, and the threshold is then set to
/// twice what is left: when many addresses are active at once (more than `maxTracked` within one refill
/// time), the table holds at most about twice those, and pruning still costs O(1) per request on
/// average instead of a full pass on every request.
final class TokenBucketLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private struct Table {
        var buckets: [String: Bucket] = [:]
        var pruneAbove: Int
        /// Full passes over the table so far; tests check that they stay rare.
        var prunes = 0
    }

    private let rate: Double
    private let burst: Double
    private let maxTracked: Int
    private let table: Mutex<Table>

    init(_ limit: WebhookRateLimit, maxTracked: Int = 10_000) {
        rate = max(0, limit.ratePerSecond)
        burst = Double(max(1, limit.burst))
        self.maxTracked = max(1, maxTracked)
        table = Mutex(Table(pruneAbove: self.maxTracked))
    }

    /// Takes one token for `client`; false when its bucket is empty.
    func allow(_ client: String, now: ContinuousClock.Instant = .now) -> Bool {
        table.withLock { table in
            var bucket = table.buckets[client] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + max(0, (now - bucket.updated).seconds) * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            table.buckets[client] = bucket
            if table.buckets.count > table.pruneAbove { prune(&table, now: now) }
            return allowed
        }
    }

    /// Addresses with a bucket in the table, and how many full passes pruning has made.
    var tracked: (addresses: Int, prunes: Int) {
        table.withLock { ($0.buckets.count, $0.prunes) }
    }

    private func prune(_ table: inout Table, now: ContinuousClock.Instant) {
        let refill = rate > 0 ? Duration.seconds(burst / rate) : .seconds(3_600)
        table.buckets = table.buckets.filter { now - $0.value.updated < refill }
        table.pruneAbove = max(maxTracked, 2 * table.buckets.count)
        table.prunes += 1
    }
}
