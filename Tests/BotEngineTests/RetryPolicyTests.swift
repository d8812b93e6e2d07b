import BotEngine
import Foundation
import Testing

/// Backoff timing, with the clock and the jitter injected: exact times, no waiting.
@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 5, base: .seconds(1), max: .seconds(10))
    let now = Date(timeIntervalSince1970: 1_000_000)

    @Test(arguments: [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (9, 10.0)])
    func theCeilingDoublesUpToTheMaximum(attempts: Int, ceiling: Double) {
        #expect(policy.ceiling(afterAttempts: attempts) == ceiling)
    }

    @Test func fullJitterSpansZeroToTheCeiling() {
        #expect(policy.nextAttempt(afterAttempts: 3, requested: nil, now: now, random: 0) == now)
        #expect(policy.nextAttempt(afterAttempts: 3, requested: nil, now: now, random: 1) == now.addingTimeInterval(4))
        #expect(policy.nextAttempt(afterAttempts: 3, requested: nil, now: now, random: 0.5) == now.addingTimeInterval(2))
    }

    @Test func aRequestedTimeLaterThanTheBackoffWins() {
        let requested = now.addingTimeInterval(8)
        #expect(policy.nextAttempt(afterAttempts: 1, requested: requested, now: now, random: 1) == requested)
        let earlier = now.addingTimeInterval(0.5)
        #expect(policy.nextAttempt(afterAttempts: 2, requested: earlier, now: now, random: 1) == now.addingTimeInterval(2))
    }

    /// A server may ask for any pause; it is honoured up to `max`, so the action still runs out its
    /// attempts and reaches its dead letter.
    @Test(arguments: [30.0, 365 * 86_400.0, 1e300, .infinity])
    func aRequestedTimeCountsUpToTheMaximumOnly(seconds: Double) {
        let requested = now.addingTimeInterval(seconds)
        #expect(policy.nextAttempt(afterAttempts: 1, requested: requested, now: now, random: 0) == now.addingTimeInterval(10))
        #expect(policy.nextAttempt(afterAttempts: 1, requested: .distantFuture, now: now, random: 0) == now.addingTimeInterval(10))
    }

    @Test func attemptsRunOutAtTheMaximum() {
        #expect(policy.nextAttempt(afterAttempts: 4, requested: nil, now: now, random: 0.3) != nil)
        #expect(policy.nextAttempt(afterAttempts: 5, requested: nil, now: now, random: 0.3) == nil)
    }
}
