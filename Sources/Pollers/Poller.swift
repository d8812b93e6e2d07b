public import ServiceLifecycle

/// A service that watches one Avala resource and raises the events no webhook sends.
///
/// A poller only implements ``pollOnce()``: read the API, diff against its snapshot, and store the
/// events with the new snapshot in one transaction. The loop around it (interval, jitter, backoff,
/// `Retry-After`, `bot.poller.failing`/`recovered`) is ``PollLoop``'s, the same for every poller.
///
/// ```swift
/// let members = MembersPoller(organization: "acme-ai", context: context)
/// let group = ServiceGroup(services: [members, dispatcher], gracefulShutdownSignals: [.sigterm], logger: logger)
/// ```
public protocol Poller: Service {
    /// Names the poller in logs, snapshot keys and `bot.poller.*` events (`members:acme-ai`).
    var name: String { get }
    var context: PollerContext { get }

    /// One cycle: read, diff, store. Tests call it directly instead of waiting for the timer.
    func pollOnce() async throws -> PollCycle

    /// Whether this replica polls now. Always true until several replicas elect a leader.
    func shouldPoll() async -> Bool
}

extension Poller {
    public func shouldPoll() async -> Bool { true }

    /// The snapshot where the poll loop keeps this poller's open incident.
    public var healthKey: String { PollerHealth.snapshotKey(poller: name) }

    /// Loops until graceful shutdown; a cycle in progress finishes first.
    public func run() async throws {
        var loop = PollLoop(poller: self)
        try await loop.run()
    }
}

/// Where a poller's health lives in the store: the poll loop writes it, the status page reads it.
public enum PollerHealth {
    /// The snapshot holding `{failing_since}` while the poller's incident is open, and `{failures,
    /// last_error}` while cycles fail in a row short of one.
    public static func snapshotKey(poller name: String) -> String { "poller.health:\(name)" }
}
