import BotEngine
public import BotKit
import Logging

extension PollerContext {
    /// Stores events and snapshots in one transaction and wakes the dispatcher when anything was new.
    ///
    /// - Returns: how many events were new.
    public func commit(_ events: [Event], snapshots: [String: JSON]) async throws -> Int {
        guard !events.isEmpty || !snapshots.isEmpty else { return 0 }
        let results = try await store.ingest(events, snapshots: snapshots)
        let new = results.count(where: \.isNew)
        if new > 0 { wake.wake() }
        return new
    }
}
