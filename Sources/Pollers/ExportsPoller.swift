import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Logging

/// Watches exports: `export.completed` and `export.failed`, once per export.
///
/// Reads `/exports/` newest first and stops at the watermark (the newest export seen last cycle), so a
/// steady cycle costs one page. Exports seen still running, and those the export plugin follows (the
/// `exports.followed` snapshot, a JSON array of uids), are then read one by one until terminal. Events
/// carry the same semantic key as the webhook for the same export, so either source alone is enough and
/// both together fire once.
///
/// Snapshot `exports`: `{watermark: {uid, created_at}, open: [uid], followed_done: [uid], failing: {uid: n},
/// backlog: {next, floor: {uid, created_at}}}`.
///
/// A listing that the page cap cuts before the watermark leaves a *backlog*: the `next` link where the
/// rest begins and the watermark it must reach (`floor`). Later cycles read on from there with the pages
/// their own listing left to spare, so a burst of exports larger than the cap is caught up on, not lost.
///
/// One export that cannot be read (a 403 for a key without access to it, a body that does not decode)
/// does not hold back the others: it is logged, kept for the next cycle, and given up after
/// ``maxFailedReads`` cycles in a row (`failing` counts them). A rate limit, a 5xx or no answer fails
/// the cycle instead: an outage gives up no export.
///
/// Without `pollers.exports` the same poller runs in *followed-only* mode: no listing, just the exports
/// the export plugin follows, one GET each every few seconds, and only while any is still open
/// (snapshot `exports.followed_watch`: `{followed_done: [uid], failing: {uid: n}}`).
public struct ExportsPoller: Poller {
    public let context: PollerContext
    public let pageSize: Int
    /// Only the followed exports, not the listing.
    public let followedOnly: Bool
    public var name: String { followedOnly ? "exports.followed" : "exports" }
    static let followedWatchKey = "exports.followed_watch"

    static let snapshotKey = "exports"
    /// Cycles in a row in which a watched export could not be read before it is no longer watched.
    public static let maxFailedReads = 5
    /// Answers about one export that another cycle would give again (no access to it, a body that does
    /// not decode). Anything else — a rate limit, a 5xx, no answer, a key refused — fails the cycle, so
    /// the poll loop backs off (honouring `Retry-After`) and reports a failing poller, and no export is
    /// given up for an outage.
    static let refusesThisExportOnly: Set<AvalaError.Code> = [.forbidden, .decoding, .validation, .http, .invalidRequest]
    /// Written by the export plugin: the exports it created and wants watched until terminal.
    public static let followedKey = "exports.followed"

    public init(context: PollerContext, pageSize: Int = 100, followedOnly: Bool = false) {
        self.context = context
        self.pageSize = pageSize
        self.followedOnly = followedOnly
    }

    /// In followed-only mode, a cycle is due only while a followed export is still open: an idle bot
    /// makes no calls.
    public func shouldPoll() async -> Bool {
        guard followedOnly else { return true }
        let followed = Set(Self.uids(try? await context.store.snapshot(Self.followedKey)))
        let done = Set(Self.uids(try? await context.store.snapshot(Self.followedWatchKey)?["followed_done"]))
        return !followed.subtracting(done).isEmpty
    }

    public func pollOnce() async throws -> PollCycle {
        if followedOnly { return try await pollFollowed() }
        let store = context.store
        let previous = try await store.snapshot(Self.snapshotKey)
        let followed = Set(Self.uids(try await store.snapshot(Self.followedKey)))
        let isBaseline = previous == nil
        var open = Set(Self.uids(previous?["open"]))
        var followedDone = Set(Self.uids(previous?["followed_done"]))
        let failedBefore = previous?["failing"]?.objectValue?.compactMapValues { $0.intValue } ?? [:]
        var failing: [String: Int] = [:]
        let watermarkUID = previous?["watermark"]?["uid"]?.stringValue

        // Newest first: the first known export (or an older one, if it was deleted) ends what is new.
        let stop = watermarkUID == nil ? nil : Self.isAtMark(previous?["watermark"])
        let listing: ListingRead<Export> = try await context.read(
            context.client.exports(pageSize: pageSize),
            poller: name,
            stop: stop
        )
        var cycle = PollCycle(apiCalls: listing.calls, baseline: isBaseline, truncated: listing.truncated)

        var terminal: [Export] = []
        var listed = Set<String>()
        /// Sorts one stretch of the listing, newest first, that ends where `isKnown` first holds.
        func take(_ items: [Export], isKnown: (Export) -> Bool) {
            var pastKnown = false
            for export in items {
                listed.insert(export.uid)
                pastKnown = pastKnown || isKnown(export)
                let status = export.status ?? .pending
                if pastKnown {
                    // Already handled in an earlier cycle, unless it was still running then.
                    guard open.contains(export.uid), status.isTerminal else { continue }
                    open.remove(export.uid)
                    terminal.append(export)
                } else if status.isTerminal {
                    // The baseline stays silent about history, but not about exports the bot itself created.
                    if !isBaseline || followed.contains(export.uid) { terminal.append(export) }
                } else {
                    open.insert(export.uid)
                }
            }
        }
        take(listing.items) { stop?($0) ?? false }

        // What a listing cut short left unread between its last page and the watermark before it: a cut
        // by the page cap is read on from its `next` link in later cycles, in the pages they have to
        // spare, down to that watermark (the backlog's floor). Moving the watermark past it would lose
        // every export there that finished meanwhile.
        var backlog = previous?["backlog"]?.objectValue
        var keepWatermark = false
        if watermarkUID != nil, listing.truncated, !listing.reachedWatermark {
            if let next = listing.next {
                // A backlog older still is kept inside the new one: reading on from this cut down to the
                // oldest floor passes through it (what was read already is known by its key).
                backlog = ["next": .string(next), "floor": backlog?["floor"] ?? previous?["watermark"] ?? .null]
            } else {
                // The server broke its own paging: read the same stretch again next cycle.
                keepWatermark = true
            }
        } else if let stored = backlog {
            let spare = context.schedule.maxPages - listing.calls
            if spare > 0 {
                let atFloor = Self.isAtMark(stored["floor"])
                let read = try await readBacklog(stored, atFloor: atFloor, maxPages: spare)
                cycle.apiCalls += read.calls
                cycle.truncated = cycle.truncated || read.listing?.truncated == true
                if let stretch = read.listing { take(stretch.items, isKnown: atFloor) }
                backlog = read.remaining
            }
        }

        // Running exports that scrolled out of the listing, and followed ones: one GET each.
        let followedOpen = followed.filter { !followedDone.contains($0) }
        for uid in Set(open).union(followedOpen).subtracting(listed).sorted() {
            cycle.apiCalls += 1
            let export: Export
            do {
                export = try await context.client.export(uid: uid)
            } catch let error as AvalaError where error.code == .notFound {
                context.logger.info("A watched export is gone", metadata: ["poller.name": "\(name)", "export.uid": "\(uid)"])
                open.remove(uid)
                followedDone.insert(uid)
                continue
            } catch let error as AvalaError where Self.refusesThisExportOnly.contains(error.code) {
                if let failures = unreadable(uid, error, failedBefore: failedBefore, as: "watched") {
                    open.insert(uid)
                    failing[uid] = failures
                } else {
                    open.remove(uid)
                    followedDone.insert(uid)
                }
                continue
            }
            if (export.status ?? .pending).isTerminal {
                open.remove(uid)
                terminal.append(export)
            } else {
                open.insert(uid)
            }
        }
        for export in terminal where followed.contains(export.uid) { followedDone.insert(export.uid) }
        followedDone.formIntersection(followed)

        var events: [Event] = []
        for export in terminal {
            events.append(try await event(for: export))
        }
        var snapshot: [String: JSON] = [
            "open": .array(open.sorted().map(JSON.string)),
            "followed_done": .array(followedDone.sorted().map(JSON.string)),
        ]
        if !failing.isEmpty { snapshot["failing"] = .object(failing.mapValues { .number(Double($0)) }) }
        if let newest = listing.items.first, !keepWatermark {
            snapshot["watermark"] = ["uid": .string(newest.uid), "created_at": .string(ResourceJSON.timestamp(newest.createdAt))]
        } else {
            snapshot["watermark"] = previous?["watermark"] ?? .null
        }
        if let backlog { snapshot["backlog"] = .object(backlog) }
        cycle.raised = events.count
        cycle.stored = try await context.commit(events, snapshots: [Self.snapshotKey: .object(snapshot)])
        return cycle
    }

    /// Reads on in a backlog (`{next, floor}`) for at most `maxPages` pages, until `atFloor` holds.
    ///
    /// - Returns: the stretch read (nil when nothing could be), the requests sent, and what is left of the
    ///   backlog: nil once it reached its floor or the listing's end, or when its link is no longer
    ///   followed (an unusable link, or a cursor the server no longer takes); the same backlog when the
    ///   server broke its paging; a later `next` when the page cap cut it again.
    func readBacklog(
        _ backlog: [String: JSON],
        atFloor: @escaping (Export) -> Bool,
        maxPages: Int
    ) async throws
        -> (listing: ListingRead<Export>?, calls: Int, remaining: [String: JSON]?)
    {
        guard let next = backlog["next"]?.stringValue, let continuation = context.client.exports(continuing: next) else {
            context.logger.warning(
                "The rest of a cut exports listing cannot be read on; its exports are left to webhooks",
                metadata: ["poller.name": "\(name)"]
            )
            return (nil, 0, nil)
        }
        let read: ListingRead<Export>
        do {
            read = try await context.read(continuation, poller: name, maxPages: maxPages, stop: atFloor)
        } catch let error as AvalaError where error.code == .notFound {
            // DRF answers 404 to a cursor it does not take: a link that worked once will not again.
            context.logger.warning(
                "The rest of a cut exports listing cannot be read on; its exports are left to webhooks",
                metadata: ["poller.name": "\(name)", "error": "\(error.message)"]
            )
            return (nil, 1, nil)
        }
        var remaining: [String: JSON]?
        if read.truncated, !read.reachedWatermark {
            remaining = backlog
            if let later = read.next { remaining?["next"] = .string(later) }
        }
        return (read, read.calls, remaining)
    }

    /// Followed-only mode: one GET per followed export that is not terminal yet. One that cannot be read
    /// (no access to it, a body that does not decode) is skipped as in the listing mode, and given up after
    /// ``maxFailedReads`` cycles in a row (`failing` counts them): it must not hold back the others.
    func pollFollowed() async throws -> PollCycle {
        let followed = Self.uids(try await context.store.snapshot(Self.followedKey))
        let watch = try await context.store.snapshot(Self.followedWatchKey)
        var done = Set(Self.uids(watch?["followed_done"]))
        let failedBefore = watch?["failing"]?.objectValue?.compactMapValues { $0.intValue } ?? [:]
        var failing: [String: Int] = [:]
        var cycle = PollCycle(apiCalls: 0, baseline: false, truncated: false)
        var events: [Event] = []
        for uid in followed where !done.contains(uid) {
            cycle.apiCalls += 1
            do {
                let export = try await context.client.export(uid: uid)
                guard (export.status ?? .pending).isTerminal else { continue }
                events.append(try await event(for: export))
            } catch let error as AvalaError where error.code == .notFound {
                context.logger.info("A followed export is gone", metadata: ["poller.name": "\(name)", "export.uid": "\(uid)"])
            } catch let error as AvalaError where Self.refusesThisExportOnly.contains(error.code) {
                if let failures = unreadable(uid, error, failedBefore: failedBefore, as: "followed") {
                    failing[uid] = failures
                    continue
                }
            }
            done.insert(uid)
        }
        done.formIntersection(followed)
        var snapshot: [String: JSON] = ["followed_done": .array(done.sorted().map(JSON.string))]
        if !failing.isEmpty { snapshot["failing"] = .object(failing.mapValues { .number(Double($0)) }) }
        cycle.raised = events.count
        cycle.stored = try await context.commit(events, snapshots: [Self.followedWatchKey: .object(snapshot)])
        return cycle
    }

    /// Logs a watched export that could not be read this cycle; returns its failures in a row, or nil
    /// once they reach ``maxFailedReads`` and it is no longer watched.
    private func unreadable(_ uid: String, _ error: AvalaError, failedBefore: [String: Int], as kind: String) -> Int? {
        let failures = (failedBefore[uid] ?? 0) + 1
        let givenUp = failures >= Self.maxFailedReads
        context.logger.warning(
            givenUp ? "A \(kind) export could not be read; it is no longer watched" : "A \(kind) export could not be read",
            metadata: ["poller.name": "\(name)", "export.uid": "\(uid)", "error": "\(error.message)", "failures": "\(failures)"]
        )
        return givenUp ? nil : failures
    }

    /// The event for a terminal export, with the chain depth the export plugin recorded for it.
    func event(for export: Export) async throws -> Event {
        let succeeded = (export.status ?? .pending).isSucceeded
        let type: EventType = succeeded ? .exportCompleted : .exportFailed
        var body = try ResourceJSON.encode(export).objectValue ?? [:]
        if let status = export.status {
            body["status"] = .string(status.normalized.rawValue)
        }
        // Present even when empty, so rules can test them the same way for either outcome.
        for key in ["download_url", "error"] where body[key] == nil { body[key] = .null }
        let depth = try await context.store.recordedChainDepth(exportUID: export.uid) ?? 0
        return Event(
            type: type,
            source: .poller,
            origin: name,
            subject: .init(kind: "export", uid: export.uid),
            data: ["export": .object(body)],
            keys: ["\(type.rawValue):\(export.uid)"],
            chainDepth: depth
        )
    }

    /// Whether an export is at or past a stored mark (`{uid, created_at}`: the watermark or a backlog's
    /// floor), reading newest first; the mark is parsed once.
    static func isAtMark(_ mark: JSON?) -> (Export) -> Bool {
        let uid = mark?["uid"]?.stringValue
        let date = mark?["created_at"]?.stringValue.flatMap(AvalaJSON.parseTimestamp)
        return { export in
            if export.uid == uid { return true }
            if let date, let created = export.createdAt { return created < date }
            return false
        }
    }

    static func uids(_ json: JSON?) -> [String] {
        json?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
