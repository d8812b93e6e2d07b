import BotEngine
import Foundation

/// When a poller runs: its interval, the jitter around it, the backoff after errors, and when a run of
/// failures becomes an incident.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `interval` | — | `pollers.<name>.every` |
/// | `jitter` | 0.1 | a fraction of the interval, added or removed at random so replicas and pollers drift apart |
/// | `backoffBase`, `backoffMax` | 1 s, 5 min | exponential backoff with full jitter after consecutive failures |
/// | `failingAfter` | 3 | consecutive failed cycles that raise `bot.poller.failing` |
/// | `maxPages` | 50 | `pollers.<name>.max_pages`: pages one listing reads per cycle |
/// | `maxRetryAfter` | 5 min | the longest a 429's `Retry-After` pauses the poller; a longer one is cut to it, with a warning |
public struct PollSchedule: Sendable, Hashable {
    public var interval: Duration
    public var jitter: Double
    public var backoffBase: Duration
    public var backoffMax: Duration
    public var failingAfter: Int
    public var maxPages: Int
    public var maxRetryAfter: Duration

    public init(
        interval: Duration,
        jitter: Double = 0.1,
        backoffBase: Duration = .seconds(1),
        backoffMax: Duration = .seconds(300),
        failingAfter: Int = 3,
        maxPages: Int = 50,
        maxRetryAfter: Duration = .seconds(300)
    ) {
        self.interval = interval
        self.jitter = min(max(jitter, 0), 1)
        self.backoffBase = backoffBase
        self.backoffMax = backoffMax
        self.failingAfter = max(failingAfter, 1)
        self.maxPages = max(maxPages, 1)
        self.maxRetryAfter = max(maxRetryAfter, .zero)
    }

    /// The wait before the next cycle after a success: the interval, moved by up to ±`jitter`.
    public func nextDelay() -> Duration {
        guard jitter > 0 else { return interval }
        return interval * Double.random(in: (1 - jitter)...(1 + jitter))
    }

    /// The wait after `failures` consecutive failures: full jitter over `base · 2^(failures-1)`, capped.
    public func backoff(failures: Int) -> Duration {
        let exponent = Double(min(max(failures - 1, 0), 30))
        let ceiling = min(backoffMax.seconds, backoffBase.seconds * pow(2, exponent))
        return .seconds(Double.random(in: 0...max(ceiling, 0)))
    }
}
