import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Logging

/// Watches one organization's pending invitations: `invitation.accepted` and `invitation.expired`.
///
/// The API lists pending invitations only. One that disappears was accepted when its address is now a
/// member (one `members?search=` call per disappearance), otherwise it expired or was cancelled. One
/// still listed with `is_expired: true` has expired.
///
/// An invitation missing from one listing may only have moved between two pages while they were read
/// (the listing is paged by position, and an acceptance shifts what follows it). So one that is gone and
/// whose address is no member is kept for one more cycle, and reported expired only when it is missing
/// from that listing too.
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

        var known = previous?["invitations"]?.objectValue ?? [:]
        var expiredReported = Set(previous?["expired"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        let missingBefore = Set(previous?["missing"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        var missing: Set<String> = []
        var current: [String: JSON] = [:]
        var events: [Event] = []
        for invitation in listing.items {
            let body = try ResourceJSON.encode(invitation)
            current[invitation.uid] = body
            known.removeValue(forKey: invitation.uid)
            let expired = invitation.isExpired == true || invitation.status == .expired
            if expired, !expiredReported.contains(invitation.uid) {
                expiredReported.insert(invitation.uid)
                if !isBaseline { events.append(event(.invitationExpired, invitation.uid, body)) }
            }
        }
        for (uid, body) in known.sorted(by: { $0.key < $1.key }) {
            if listing.truncated {
                // Not read this time: neither missing nor back, so a mark from before carries over.
                current[uid] = body
                if missingBefore.contains(uid) { missing.insert(uid) }
                continue
            }
            let email = body["invited_email"]?.stringValue ?? ""
            cycle.apiCalls += 1
            guard let accepted = try await isMember(email: email) else {
                // The search was cut short without an answer: decide next cycle rather than guess.
                current[uid] = body
                if missingBefore.contains(uid) { missing.insert(uid) }
                continue
            }
            if !accepted, !missingBefore.contains(uid) {
                // Missing once: perhaps only moved between pages. Decided by the next listing.
                current[uid] = body
                missing.insert(uid)
                continue
            }
            expiredReported.remove(uid)
            // The body is the last listing's entry with the bot's conclusion written over it: `status` and
            // `is_expired` must agree, or a rule on either would miss the event.
            var answered = body.objectValue ?? [:]
            if accepted {
                answered["status"] = .string(InvitationStatus.accepted.rawValue)
                answered["is_expired"] = .bool(false)
                events.append(event(.invitationAccepted, uid, .object(answered)))
            } else {
                // Expired or cancelled: the API no longer says which, and both mean nobody joined. A status
                // that already says which is kept.
                let status = answered["status"]?.stringValue.map(InvitationStatus.init(rawValue:))
                if status != .expired, status != .cancelled {
                    answered["status"] = .string(InvitationStatus.expired.rawValue)
                }
                answered["is_expired"] = .bool(true)
                events.append(event(.invitationExpired, uid, .object(answered)))
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
