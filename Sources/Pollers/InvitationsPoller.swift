import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Logging

/// Watches one organization's pending invitations: `invitation.accepted` and `invitation.expired`.
///
/// The API lists pending invitations only, so one that disappears was accepted, expired or cancelled,
/// and the listing no longer says which. It was accepted when its address is now a member (one
/// `members?search=` call per disappearance), unless a newer invitation to the same address is known: a
/// re-invite replaced it, and the newer one is what they accepted. It expired only when what the API
/// showed says so: `is_expired: true`, `status: expired`, or an `expires_at` now past. Otherwise it was
/// cancelled, which is no event: it is logged at info. One still listed past its expiry has expired; one
/// a listing shows as `cancelled` or `accepted` (a listing that shows answered invitations too) is
/// decided as one that disappeared, by what it says.
///
/// An invitation missing from one listing may only have moved between two pages while they were read
/// (the listing is paged by position, and an acceptance shifts what follows it). So one that is gone and
/// whose address is no member is kept for one more cycle, and decided only when it is missing from that
/// listing too.
///
/// Snapshot `invitations:<org>`: `{invitations: {uid: invitation}, expired: [uid], missing: [uid]}`.
public struct InvitationsPoller: Poller {
    public let organization: String
    public let context: PollerContext
    public var name: String { "invitations:\(organization)" }
    var snapshotKey: String { "invitations:\(organization)" }

    public init(organization: String, context: PollerContext) {
        self.organization = organization
        self.context = context
    }

    public func pollOnce() async throws -> PollCycle {
        let previous = try await context.store.snapshot(snapshotKey)
        let isBaseline = previous == nil
        let listing = try await context.read(try context.client.invitations(organization: organization), poller: name)
        var cycle = PollCycle(apiCalls: listing.calls, baseline: isBaseline, truncated: listing.truncated)
        let now = Date()

        let before = previous?["invitations"]?.objectValue ?? [:]
        var known = before
        var expiredReported = Set(previous?["expired"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        let missingBefore = Set(previous?["missing"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        var missing: Set<String> = []
        var current: [String: JSON] = [:]
        // Listed, but no longer pending: decided below as a disappeared one, by the status shown.
        var answered: [String: JSON] = [:]
        var events: [Event] = []
        for invitation in listing.items {
            let body = try ResourceJSON.encode(invitation)
            let wasKnown = known.removeValue(forKey: invitation.uid) != nil
            if invitation.status == .accepted || invitation.status == .cancelled {
                if wasKnown { answered[invitation.uid] = body }
                continue
            }
            current[invitation.uid] = body
            if Self.hasExpired(body, now: now, listed: true), !expiredReported.contains(invitation.uid) {
                expiredReported.insert(invitation.uid)
                if !isBaseline { events.append(event(.invitationExpired, invitation.uid, Self.concluded(body, .expired))) }
            }
        }
        let gone = known.mapValues { (body: $0, listed: false) }.merging(answered.mapValues { (body: $0, listed: true) }) { $1 }
        for (uid, entry) in gone.sorted(by: { $0.key < $1.key }) {
            let body = entry.body
            if !entry.listed, listing.truncated {
                // Not read this time: neither missing nor back, so a mark from before carries over.
                current[uid] = body
                if missingBefore.contains(uid) { missing.insert(uid) }
                continue
            }
            let status = body["status"]?.stringValue.map(InvitationStatus.init(rawValue:))
            if status == .cancelled {
                expiredReported.remove(uid)
                logSettled(uid, .cancelled)
                continue
            }
            let email = body["invited_email"]?.stringValue ?? ""
            var accepted: Bool? = false
            if !Self.isReplaced(uid, body, among: before, listed: current) {
                cycle.apiCalls += 1
                accepted = try await isMember(email: email)
            }
            guard let accepted else {
                // The search was cut short without an answer: decide next cycle rather than guess.
                current[uid] = body
                if missingBefore.contains(uid) { missing.insert(uid) }
                continue
            }
            if accepted {
                expiredReported.remove(uid)
                events.append(event(.invitationAccepted, uid, Self.concluded(body, .accepted)))
                continue
            }
            if !entry.listed, !missingBefore.contains(uid) {
                // Missing once: perhaps only moved between pages. Decided by the next listing.
                current[uid] = body
                missing.insert(uid)
                continue
            }
            if expiredReported.remove(uid) != nil { continue }  // reported while it was listed
            if status != .accepted, Self.hasExpired(body, now: now, listed: false) {
                events.append(event(.invitationExpired, uid, Self.concluded(body, .expired)))
            } else {
                // Gone before its expiry, and nobody joined by it: withdrawn. Shown `accepted` with its
                // address no member is said as shown, and is no event either.
                logSettled(uid, status == .accepted ? .accepted : .cancelled)
            }
        }
        expiredReported.formIntersection(current.keys)
        var state: [String: JSON] = [
            "invitations": .object(current), "expired": .array(expiredReported.sorted().map(JSON.string)),
        ]
        if !missing.isEmpty { state["missing"] = .array(missing.sorted().map(JSON.string)) }
        let snapshot = JSON.object(state)
        cycle.raised = events.count
        cycle.stored = try await context.commit(events, snapshots: [snapshotKey: snapshot])
        return cycle
    }

    /// Whether what the API showed of an invitation says it expired, by the invite plugin's rule
    /// (``InvitationExpiry``): `listed` when the body is from this cycle's listing, not the last one seen.
    static func hasExpired(_ body: JSON, now: Date, listed: Bool) -> Bool {
        InvitationExpiry.hasExpired(
            status: body["status"]?.stringValue,
            isExpired: body["is_expired"]?.boolValue,
            expiresAt: body["expires_at"]?.stringValue.flatMap(AvalaJSON.parseTimestamp),
            now: now,
            stillListed: listed
        )
    }

    /// Whether a newer invitation to the same address is known (from the last listing or this one): a
    /// re-invite replaced this one, so its address becoming a member is not its acceptance. Newer: created
    /// later, or, when either creation time is unknown, listed now as pending.
    static func isReplaced(_ uid: String, _ body: JSON, among before: [String: JSON], listed: [String: JSON]) -> Bool {
        guard let email = body["invited_email"]?.stringValue?.lowercased(), !email.isEmpty else { return false }
        let created = body["created_at"]?.stringValue.flatMap(AvalaJSON.parseTimestamp)
        for (other, otherBody) in before.merging(listed, uniquingKeysWith: { $1 }) where other != uid {
            guard otherBody["invited_email"]?.stringValue?.lowercased() == email else { continue }
            let otherCreated = otherBody["created_at"]?.stringValue.flatMap(AvalaJSON.parseTimestamp)
            if let created, let otherCreated {
                if otherCreated > created { return true }
            } else if listed[other] != nil {
                return true
            }
        }
        return false
    }

    /// The last listing's entry with the bot's conclusion written over it: `status` and `is_expired` must
    /// agree, or a rule on either would miss the event.
    static func concluded(_ body: JSON, _ status: InvitationStatus) -> JSON {
        var answered = body.objectValue ?? [:]
        answered["status"] = .string(status.rawValue)
        answered["is_expired"] = .bool(status == .expired)
        return .object(answered)
    }

    /// An invitation that left the pending list without an event: cancelled (or shown accepted by an
    /// address that is no member). Said at info, once, since nothing is raised for it.
    private func logSettled(_ uid: String, _ status: InvitationStatus) {
        context.logger.info(
            "Invitation no longer pending, neither accepted nor expired: no event",
            metadata: ["poller.name": "\(name)", "invitation.uid": "\(uid)", "invitation.status": "\(status.rawValue)"]
        )
    }

    /// Whether `email` is a member now, by a narrow search instead of the whole member list; nil when the
    /// search was cut short before finding them, which says nothing either way.
    private func isMember(email: String) async throws -> Bool? {
        guard !email.isEmpty else { return false }
        let page = try await context.read(
            try context.client.members(organization: organization, search: email),
            poller: name,
            stop: { $0.email?.caseInsensitiveCompare(email) == .orderedSame }
        )
        if page.reachedWatermark { return true }
        return page.truncated ? nil : false
    }

    private func event(_ type: EventType, _ uid: String, _ invitation: JSON) -> Event {
        Event(
            type: type,
            source: .poller,
            origin: name,
            subject: .init(kind: "invitation", uid: uid),
            data: ["organization": .string(organization), "invitation": invitation],
            keys: ["\(type.rawValue):\(uid)"]
        )
    }
}
