import BotEngine
import Synchronization

/// A token bucket per client address (`listener.per_ip`): `burst` requests at once, refilled at
/// `ratePerSecond`. Full buckets are dropped when the table grows, so a scan of many addresses cannot
/// grow it without bound.
final class TokenBucketLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let rate: Double
    private let burst: Double
    private let maxTracked: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    init(_ limit: WebhookRateLimit, maxTracked: Int = 10_000) {
        rate = max(0, limit.ratePerSecond)
        burst = Double(max(1, limit.burst))
        self.maxTracked = maxTracked
    }

    /// Takes one token for `client`; false when its bucket is empty.
    func allow(_ client: String, now: ContinuousClock.Instant = .now) -> Bool {
        buckets.withLock { buckets in
            var bucket = buckets[client] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + max(0, (now - bucket.updated).seconds) * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[client] = bucket
            if buckets.count > maxTracked { prune(&buckets, now: now) }
            return allowed
        }
    }

    private func prune(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        let refill = rate > 0 ? Duration.seconds(burst / rate) : .seconds(3_600)
        buckets = buckets.filter { now - $0.value.updated < refill }
    }
}
