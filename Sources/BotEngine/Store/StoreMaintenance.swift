public import Foundation
public import Logging
public import ServiceLifecycle

/// Prunes the store on a schedule: done events after `retention`, dedup keys after `keyRetention`
/// (`store.retention`, `store.key_retention`).
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
        every: Duration = .seconds(3_600),
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) {
        self.store = store
        self.retention = retention
        self.keyRetention = keyRetention
        self.every = every
        self.now = now
        self.logger = logger
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
