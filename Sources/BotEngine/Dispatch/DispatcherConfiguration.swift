public import Foundation

/// How the ``Dispatcher`` runs actions (`dispatcher.*` in the config).
///
/// | key | default | meaning |
/// |---|---|---|
/// | `concurrency` | 8 | events in progress at once (each runs its actions in order) |
/// | `perPlugin` | — | at most this many actions of one plugin at once (default: `concurrency`) |
/// | `maxAttempts` | 8 | attempts of one action before it is dead-lettered |
/// | `backoffBase`, `backoffMax` | 1 s, 10 min | exponential backoff with full jitter between attempts; `backoffMax` also bounds a requested `Retry-After` |
/// | `shutdownGrace` | 20 s | on SIGTERM, how long in-flight actions may finish |
/// | `batchSize` | 32 | events claimed at once |
/// | `idlePoll` | 1 s | how often to look for due events when nobody signals |
/// | `dryRun` | false | plugins decide and describe, but change nothing |
public struct DispatcherConfiguration: Sendable {
    public var concurrency: Int
    public var perPlugin: [String: Int]
    public var maxAttempts: Int
    public var backoffBase: Duration
    public var backoffMax: Duration
    public var shutdownGrace: Duration
    public var batchSize: Int
    public var idlePoll: Duration
    public var dryRun: Bool

    public init(
        concurrency: Int = 8,
        perPlugin: [String: Int] = [:],
        maxAttempts: Int = 8,
        backoffBase: Duration = .seconds(1),
        backoffMax: Duration = .seconds(600),
        shutdownGrace: Duration = .seconds(20),
        batchSize: Int = 32,
        idlePoll: Duration = .seconds(1),
        dryRun: Bool = false
    ) {
        self.concurrency = concurrency
        self.perPlugin = perPlugin
        self.maxAttempts = maxAttempts
        self.backoffBase = backoffBase
        self.backoffMax = backoffMax
        self.shutdownGrace = shutdownGrace
        self.batchSize = batchSize
        self.idlePoll = idlePoll
        self.dryRun = dryRun
    }
}

/// Time and chance, injectable so that backoff and scheduling can be tested without waiting.
public struct DispatcherEnvironment: Sendable {
    /// The current time.
    public var now: @Sendable () -> Date
    /// A uniform random number in `0...1`, for the jitter.
    public var random: @Sendable () -> Double
    /// Test hook: runs after a plugin acted and before its outcome is journaled, with the step id. A
    /// throw here stops processing as a crash would: the intent stays journaled without an outcome.
    public var afterPerform: @Sendable (String) throws -> Void

    public init(
        now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        afterPerform: @escaping @Sendable (String) throws -> Void = { _ in }
    ) {
        self.now = now
        self.random = random
        self.afterPerform = afterPerform
    }
}
