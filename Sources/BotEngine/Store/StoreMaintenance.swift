public import Foundation
public import Logging
public import ServiceLifecycle

/// Prunes the store on a schedule: done events after `retention`, dedup keys after `keyRetention`
/// (`store.retention`, `store.key_retention`). Events with a dead letter are kept (see
/// ``EventStore/prune(doneBefore:keysBefore:)``).
public struct StoreMaintenance: Service {
    let store: any EventStore
    let retention: Duration
    let keyRetention: Duration
    let every: Duration
    let now: @Sendable () -> Date
    let logger: Logger

    public init(
        store: any EventStore,
        retention: Duration,
        keyRetention: Duration,
        every: Duration? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) {
        self.store = store
        self.retention = retention
        self.keyRetention = keyRetention
        self.every = every ?? Self.interval(retention: retention, keyRetention: keyRetention)
        self.now = now
        self.logger = logger
    }

    /// How often to prune: a quarter of the shorter retention, so nothing outstays it by more than a
    /// quarter; at least a minute, since a pass is a write transaction, and at most an hour, since a long
    /// retention has no reason to let a day's backlog build up before one large delete.
    public static func interval(retention: Duration, keyRetention: Duration) -> Duration {
        min(.seconds(3_600), max(.seconds(60), min(retention, keyRetention) / 4))
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await pruneOnce()
            do {
                // Ends early on graceful shutdown or cancellation.
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
            } catch {
                return
            }
        }
    }

    /// One pruning pass; failures are logged and retried at the next pass.
    @discardableResult
    public func pruneOnce() async -> PruneResult? {
        let current = now()
        do {
            let result = try await store.prune(
                doneBefore: current.addingTimeInterval(-retention.seconds),
                keysBefore: current.addingTimeInterval(-keyRetention.seconds)
            )
            // The store logs what it pruned.
            return result
        } catch {
            logger.warning("Pruning the store failed; it is tried again later", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
