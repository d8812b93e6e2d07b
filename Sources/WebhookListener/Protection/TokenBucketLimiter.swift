import BotEngine
import Synchronization

/// A token bucket per client address (`listener.per_ip`): `burst` requests at once, refilled at
/// `ratePerSecond`.
///
/// An IPv6 client is counted by its /64 (``bucket(of:)``): one host usually holds a whole /64 and can
/// send from any address in it, so a bucket per address would not limit it at all.
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
        let client = Self.bucket(of: client)
        return table.withLock { table in
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

    /// The name of the bucket `client` draws from: an IPv4 address itself (also when written as an
    /// IPv4-mapped IPv6 address), the /64 of an IPv6 address (`2001:db8:0:1::/64`), and anything that is
    /// not an address as it is.
    static func bucket(of client: String) -> String {
        // IPv4, the common case, needs no parsing.
        guard client.contains(":"), let bytes = CIDRBlock.parseAddress(client), bytes.count == 16 else { return client }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
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
