import Foundation
import Synchronization

/// Whether the last write to the store failed, and when: `/readyz` reports not ready for a while after
/// a failed ingest, so a load balancer stops sending deliveries that would get 503 anyway.
final class StoreHealth: Sendable {
    private let lastFailure = Mutex<Date?>(nil)
    /// How long a failed write keeps the listener not ready when nothing has succeeded since.
    let holdDown: TimeInterval

    init(holdDown: TimeInterval = 30) {
        self.holdDown = holdDown
    }

    func recordFailure(now: Date = Date()) { lastFailure.withLock { $0 = now } }
    func recordSuccess() { lastFailure.withLock { $0 = nil } }

    func isFailing(now: Date = Date()) -> Bool {
        lastFailure.withLock { failure in
            guard let failure else { return false }
            return now.timeIntervalSince(failure) < holdDown
        }
    }
}
