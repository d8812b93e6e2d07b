import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Logging

/// Watches Avala's own webhook deliveries (`/webhook-deliveries/`) for failures: `webhook.delivery_failed`
/// once per delivery and attempt count, so a delivery that fails again after more retries is reported
/// again (PRODUCT.md key `webhook.delivery_failed:<delivery uid>:<attempts>`).
///
/// The list is read newest first up to the page cap each cycle: a delivery keeps its place while its
/// status changes, so there is no watermark to stop at. The first cycle records a baseline and raises
/// nothing: failures from before the bot ran are not news. A first listing the server cuts short (a next
/// link to an empty page, a repeated link) has not seen that whole backlog, so it records nothing and the
/// next cycle is the first one again.
///
/// Snapshot `deliveries`: `{reported: {uid: attempts}}`. A whole listing (or one cut by the page cap,
/// past which the older deliveries only move further away) limits it to the failures listed; a listing
/// the server cut short keeps the entries it did not reach, or the next whole listing would report them
/// again, the quiet backlog included.
public struct DeliveriesPoller: Poller {
    public let context: PollerContext
    public var name: String { "deliveries" }
    let pageSize: Int
    static let snapshotKey = "deliveries"

    public init(context: PollerContext, pageSize: Int = 100) {
        self.context = context
        self.pageSize = pageSize
    }

    public func pollOnce() async throws -> PollCycle {
        let previous = try await context.store.snapshot(Self.snapshotKey)
        let isBaseline = previous == nil
        let listing = try await context.read(context.client.webhookDeliveries(pageSize: pageSize), poller: name)
        var cycle = PollCycle(apiCalls: listing.calls, baseline: isBaseline, truncated: listing.truncated)
        let cutByServer = listing.truncated && listing.cut != .pageCap
        // Committing this baseline would make what it did not reach look new next cycle.
        if isBaseline, cutByServer { return cycle }
        let reported = previous?["reported"]?.objectValue ?? [:]
        var current: [String: JSON] = [:]
        if cutByServer {
            let listed = Set(listing.items.map(\.uid))
            current = reported.filter { !listed.contains($0.key) }
        }
        var events: [Event] = []
        for delivery in listing.items where delivery.status == .failed {
            current[delivery.uid] = .number(Double(delivery.attempts))
            if isBaseline || reported[delivery.uid]?.intValue == delivery.attempts { continue }
            events.append(
                Event(
                    type: .webhookDeliveryFailed,
                    source: .poller,
                    origin: name,
                    subject: .init(kind: "delivery", uid: delivery.uid),
                    data: ["delivery": try ResourceJSON.encode(delivery)],
                    keys: ["\(EventType.webhookDeliveryFailed.rawValue):\(delivery.uid):\(delivery.attempts)"]
                )
            )
        }
        cycle.raised = events.count
        cycle.stored = try await context.commit(events, snapshots: [Self.snapshotKey: ["reported": .object(current)]])
        return cycle
    }
}
