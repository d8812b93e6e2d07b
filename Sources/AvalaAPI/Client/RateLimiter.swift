/// The client's shared request budget: a token bucket, plus a hold when the server says the budget is spent.
///
/// Every request of one ``AvalaClient`` takes a token first, so pollers, plugins and batch operations
/// together stay under `requestsPerMinute`. Tokens may go negative: each caller reserves its slot and
/// sleeps until then, which keeps waiting callers in order. When a response reports
/// `X-RateLimit-Remaining: 0`, nothing is sent until `X-RateLimit-Reset`.
actor RateLimiter {
    private let ratePerSecond: Double
    private let burst: Double
    private var tokens: Double
    private var updated: ContinuousClock.Instant
    private var heldUntil: ContinuousClock.Instant?
    private let clock = ContinuousClock()

    init(requestsPerMinute: Int, burst: Int) {
        self.ratePerSecond = max(Double(requestsPerMinute), 1) / 60
        self.burst = Double(max(burst, 1))
        self.tokens = Double(max(burst, 1))
        self.updated = clock.now
    }

    /// Waits until this request may be sent.
    func acquire() async throws {
        let wait = reserve()
        if wait > .zero { try await Task.sleep(for: wait) }
    }

    /// Takes a token and says how long to wait before using it.
    private func reserve() -> Duration {
        let now = clock.now
        let elapsed = updated.duration(to: now)
        tokens = min(burst, tokens + elapsed.seconds * ratePerSecond)
        updated = now
        tokens -= 1
        var wait: Duration = tokens < 0 ? .seconds(-tokens / ratePerSecond) : .zero
        if let heldUntil, heldUntil > now {
            wait = max(wait, now.duration(to: heldUntil))
        }
        return wait
    }

    /// Sends nothing more for `duration` (the server's budget is spent until its reset).
    func hold(for duration: Duration) {
        let until = clock.now.advanced(by: duration)
        if let heldUntil, heldUntil >= until { return }
        heldUntil = until
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
