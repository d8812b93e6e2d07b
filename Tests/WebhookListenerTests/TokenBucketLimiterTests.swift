import Testing

@testable import WebhookListener

/// `listener.per_ip`: the bucket arithmetic on a given clock, and the table of buckets under many
/// addresses.
struct TokenBucketLimiterTests {
    let start = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant {
        start.advanced(by: .milliseconds(Int(seconds * 1_000)))
    }

    @Test func aBurstIsAllowedThenTheRateRefillsIt() {
        let limiter = TokenBucketLimiter(WebhookRateLimit(ratePerSecond: 2, burst: 3))
        #expect((0..<4).map { _ in limiter.allow("10.0.0.1", now: at(0)) } == [true, true, true, false])
        // Half a second at 2/s is one token.
        #expect([limiter.allow("10.0.0.1", now: at(0.5)), limiter.allow("10.0.0.1", now: at(0.5))] == [true, false])
        // A long pause refills up to the burst, not beyond.
        #expect((0..<4).map { _ in limiter.allow("10.0.0.1", now: at(60)) } == [true, true, true, false])
    }

    @Test func eachAddressHasItsOwnBucket() {
        let limiter = TokenBucketLimiter(WebhookRateLimit(ratePerSecond: 1, burst: 1))
        #expect(limiter.allow("10.0.0.1", now: at(0)))
        #expect(!limiter.allow("10.0.0.1", now: at(0)))
        #expect(limiter.allow("10.0.0.2", now: at(0)))
    }

    /// An IPv6 host can send from any address of its /64, so the /64 shares one bucket; an IPv4-mapped
    /// address is its IPv4 address.
    @Test func anIPv6NetworkOf64BitsSharesOneBucket() {
        let limiter = TokenBucketLimiter(WebhookRateLimit(ratePerSecond: 1, burst: 1))
        #expect(limiter.allow("2001:db8::1", now: at(0)))
        #expect(!limiter.allow("2001:db8:0:0:ffff:1234:5678:9abc", now: at(0)))
        #expect(!limiter.allow("2001:DB8::dead:beef%eth0", now: at(0)))
        #expect(limiter.allow("2001:db8:0:1::1", now: at(0)), "the next /64 is another network")
        #expect(limiter.allow("10.0.0.1", now: at(0)))
        #expect(!limiter.allow("::ffff:10.0.0.1", now: at(0)))
        #expect(limiter.tracked.addresses == 3)
        #expect(TokenBucketLimiter.bucket(of: "2001:db8:0:1::1") == "2001:db8:0:1::/64")
        #expect(TokenBucketLimiter.bucket(of: "::ffff:10.0.0.1") == "10.0.0.1")
        #expect(TokenBucketLimiter.bucket(of: "unknown") == "unknown")
        #expect(TokenBucketLimiter.bucket(of: "not:an:address") == "not:an:address")
    }

    @Test func refilledBucketsAreForgottenWhenTheTableOutgrowsItsLimit() {
        // burst 1 at 1/s: a bucket is full again one second after its last request.
        let limiter = TokenBucketLimiter(WebhookRateLimit(ratePerSecond: 1, burst: 1), maxTracked: 10)
        for n in 0..<10 { _ = limiter.allow("10.0.0.\(n)", now: at(0)) }
        #expect(limiter.tracked.addresses == 10)
        #expect(limiter.allow("10.0.1.1", now: at(2)))
        #expect(limiter.tracked.addresses == 1)
        #expect(limiter.tracked.prunes == 1)
        // A forgotten address starts with a full bucket, as it would have had anyway.
        #expect(limiter.allow("10.0.0.3", now: at(2)))
    }

    /// More active addresses than `maxTracked`: none of their buckets may be forgotten (that would reset
    /// a drained client's limit), and the table must not be scanned on every request.
    @Test func manyActiveAddressesAreKeptAndPruningStaysRare() {
        let limiter = TokenBucketLimiter(WebhookRateLimit(ratePerSecond: 0.001, burst: 1), maxTracked: 100)
        #expect(limiter.allow("drained", now: at(0)))
        for n in 0..<10_000 { _ = limiter.allow("10.\(n / 256).\(n % 256).1", now: at(1)) }
        #expect(limiter.tracked.addresses == 10_001)
        #expect(!limiter.allow("drained", now: at(2)), "an active client's bucket was forgotten")
        // Thresholds 100, 202, 406, … up to 10,001 entries: 7 passes, against one per request beyond 100.
        #expect(limiter.tracked.prunes <= 8, "\(limiter.tracked.prunes) passes over the table")
    }
}
