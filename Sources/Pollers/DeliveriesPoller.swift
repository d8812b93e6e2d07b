import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Logging

/// Watches Avala's own webhook deliveries (`/webhook-deliveries/`) for failures: `webhook.delivery_failed`
/// once per delivery and attempt count, so a delivery that fails again after more retries is reported
/// again (PRODUCT.md key `webhook.delivery_failed:<delivery uid>:<attempts>`).
///
/// The list is asked for newest first (`ordering=-created_at`) and checked as it is read, not trusted: a
/// delivery keeps its place while its status changes, so what bounds a cycle is the floor, the creation
/// time of the oldest delivery still unsettled (pending, or failed with a retry scheduled) when last
/// read, or of the newest one when none is. Everything older was settled (delivered, or failed with no
/// retry to come) and does not change, so a cycle stops at the page that reaches past the floor (less a
/// minute's margin); one cycle in `wholeReadEvery` reads the whole listing all the same, which is what
/// forgets deliveries Avala no longer lists and catches what the settled ones would not be expected to
/// do. A listing not newest first (a server that ignores `ordering`; a delivery without `created_at`)
/// stops nowhere and is warned about once until it is again.
///
/// The first cycle records a baseline and raises nothing: failures from before the bot ran are not news.
/// A first listing the server cuts short (a next link to an empty page, a repeated link) has not seen
/// that whole backlog, so it records nothing and the next cycle is the first one again.
///
/// Snapshot `deliveries`: `{reported: {uid: attempts}, floor, cycles_since_whole, unordered}`. A whole
/// listing (or one newest first cut by the page cap, past which the older deliveries only move further
/// away) limits `reported` to the failures listed; a listing that stopped at the floor, that the server
/// cut short, or that the page cap cut out of order keeps the entries it did not reach, or the next whole
/// listing would report them again, the quiet backlog included.
public struct DeliveriesPoller: Poller {
    public let context: PollerContext
    public var name: String { "deliveries" }
    let pageSize: Int
    /// One cycle in this many reads the whole listing, however little changed.
    let wholeReadEvery: Int
    /// How far below the floor a cycle still reads: a delivery the server had created but not yet
    /// listed when the floor was taken has a creation time just below it.
    let floorMargin: Duration
    static let snapshotKey = "deliveries"
    /// Newest first, whatever the server's default.
    static let ordering = "-created_at"

    public init(context: PollerContext, pageSize: Int = 100, wholeReadEvery: Int = 12, floorMargin: Duration = .seconds(60)) {
        self.context = context
        self.pageSize = pageSize
        self.wholeReadEvery = max(wholeReadEvery, 1)
        self.floorMargin = floorMargin
    }

    public func pollOnce() async throws -> PollCycle {
        let previous = try await context.store.snapshot(Self.snapshotKey)
        let isBaseline = previous == nil
        let floor = previous?["floor"]?.stringValue.flatMap(AvalaJSON.parseTimestamp)
        let sinceWhole = previous?["cycles_since_whole"]?.intValue ?? 0
        var until: (([WebhookDelivery]) -> Bool)?
        if let floor, sinceWhole + 1 < wholeReadEvery {
            let bound = floor.addingTimeInterval(-floorMargin.seconds)
            until = { Self.reachesPast(bound, $0) }
        }
        let listing = try await context.read(
            context.client.webhookDeliveries(ordering: Self.ordering, pageSize: pageSize),
            poller: name,
            until: until
        )
        var cycle = PollCycle(apiCalls: listing.calls, baseline: isBaseline, truncated: listing.truncated)
        let cutByServer = listing.truncated && listing.cut != .pageCap
        // Committing this baseline would make what it did not reach look new next cycle.
        if isBaseline, cutByServer { return cycle }
        let ordered = Self.isNewestFirst(listing.items)
        let wasUnordered = previous?["unordered"]?.boolValue == true
        if !ordered, !wasUnordered {
            context.logger.warning(
                "Webhook deliveries are not listed newest first although asked; every cycle reads the whole listing until they are",
                metadata: ["poller.name": "\(name)", "listing.ordering": "\(Self.ordering)"]
            )
        }
        let stoppedAtFloor = listing.reachedWatermark
        // Only a listing read to its end, or newest first to the page cap, shows which failures are gone.
        let showsAll = !stoppedAtFloor && (!listing.truncated || (listing.cut == .pageCap && ordered))
        let reported = previous?["reported"]?.objectValue ?? [:]
        var current: [String: JSON] = [:]
        if !showsAll {
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
        var state: [String: JSON] = ["reported": .object(current)]
        // A listing cut short learned nothing of what it did not reach: the floor stays where it was.
        let newFloor = listing.truncated ? floor : Self.floor(of: listing.items)
        if let newFloor { state["floor"] = .string(AvalaJSON.formatTimestamp(newFloor)) }
        state["cycles_since_whole"] = .number(Double(stoppedAtFloor ? sinceWhole + 1 : 0))
        if !ordered { state["unordered"] = true }
        cycle.raised = events.count
        cycle.stored = try await context.commit(events, snapshots: [Self.snapshotKey: .object(state)])
        return cycle
    }

    /// Delivered, or failed with no retry to come: it does not change any more.
    static func isSettled(_ delivery: WebhookDelivery) -> Bool {
        delivery.status == .delivered || (delivery.status == .failed && delivery.nextRetryAt == nil)
    }

    /// Every delivery has `created_at` and none is newer than the one before it.
    static func isNewestFirst(_ deliveries: [WebhookDelivery]) -> Bool {
        let created = deliveries.compactMap(\.createdAt)
        guard created.count == deliveries.count else { return false }
        return zip(created, created.dropFirst()).allSatisfy { $0 >= $1 }
    }

    /// The pages read so far, newest first, run from at or above the floor to below it: what follows is
    /// older still, and settled. A first delivery already below the floor proves nothing (a server
    /// listing oldest first would start there), so the listing goes on.
    static func reachesPast(_ floor: Date, _ deliveries: [WebhookDelivery]) -> Bool {
        guard isNewestFirst(deliveries), let newest = deliveries.first?.createdAt, let oldest = deliveries.last?.createdAt else {
            return false
        }
        return newest >= floor && oldest < floor
    }

    /// The creation time of the oldest unsettled delivery listed, or of the newest one when all are
    /// settled; nil when none is listed or one lacks `created_at` (the next cycle reads everything). A
    /// listing that stopped at the floor left only older deliveries unread, all settled: they cannot
    /// lower it.
    static func floor(of deliveries: [WebhookDelivery]) -> Date? {
        let created = deliveries.compactMap(\.createdAt)
        guard created.count == deliveries.count, let newest = created.max() else { return nil }
        let unsettled = deliveries.filter { !isSettled($0) }.compactMap(\.createdAt)
        return min(newest, unsettled.min() ?? newest)
    }
}
