import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Logging

/// Watches one organization's members: `member.joined`, `member.left`, `member.role_changed`.
///
/// The snapshot `members:<org>` holds, per `user_uid`, the role, the membership's `created_at` and the
/// contact fields a `member.left` body needs once the member is gone, plus the cycle number that keys a
/// role change (the same change back and forth is a new fact each time). The diff uses dictionaries keyed
/// by uid: linear in the organization, whatever its size.
///
/// The listing is paged by position: someone leaving while the pages are read shifts the members after
/// them one place forward, and one of those can fall between two pages unread. So a member missing from
/// a listing of several pages is kept, marked in the snapshot's `missing`, and reported as having left only
/// when the next listing misses them too (one listed again is forgotten as missing). A listing read in
/// one page saw everyone at once: who is missing from it has left.
public struct MembersPoller: Poller {
    public let organization: String
    public let context: PollerContext
    /// On the first run, raise `member.joined` for everyone already there instead of a silent baseline.
    public let emitExisting: Bool
    /// Page size asked of the API; larger pages mean fewer calls.
    public let pageSize: Int

    public var name: String { "members:\(organization)" }
    var snapshotKey: String { "members:\(organization)" }

    public init(organization: String, context: PollerContext, emitExisting: Bool = false, pageSize: Int = 1_000) {
        self.organization = organization
        self.context = context
        self.emitExisting = emitExisting
        self.pageSize = pageSize
    }

    /// What the snapshot remembers of one member.
    struct Known {
        var role: String
        var createdAt: String
        /// When the bot first listed this membership, kept only when the API gave no `created_at`.
        var seen: String
        var fields: [String: JSON]

        init(fields: [String: JSON]) {
            self.fields = fields
            role = fields["role"]?.stringValue ?? ""
            createdAt = fields["created_at"]?.stringValue ?? ""
            seen = fields[Self.seenField]?.stringValue ?? ""
        }

        /// The snapshot's own field, not the member's.
        static let seenField = "seen"

        /// What tells this membership from an earlier one of the same person, for its keys.
        var membershipTag: String { createdAt.isEmpty ? seen : createdAt }

        /// The remembered fields as a `member.left` body.
        func body(uid: String) -> JSON {
            var body = fields
            body[Self.seenField] = nil
            body["user_uid"] = .string(uid)
            return .object(body)
        }
    }

    /// The tag of a membership listed without `created_at` (optional in the API): when the bot first saw
    /// it, with the cycle. Without one, `member.joined:<org>:<uid>:` would stand for every membership of
    /// that person, and a rejoin within the key retention would be dropped as a duplicate.
    static func seenTag(cycle: Int, at date: Date) -> String {
        "seen-\(AvalaJSON.formatTimestamp(date))-c\(cycle)"
    }

    public func pollOnce() async throws -> PollCycle {
        let previous = try await context.store.snapshot(snapshotKey)
        let listing = try await context.read(
            try context.client.members(organization: organization, pageSize: pageSize),
            poller: name
        )
        var cycle = PollCycle(apiCalls: listing.calls, truncated: listing.truncated)
        let cycleNumber = (previous?["cycle"]?.intValue ?? 0) + 1

        let missingBefore = Set(previous?["missing"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        var missing: [String] = []
        var known: [String: Known] = [:]
        if let members = previous?["members"]?.objectValue {
            known.reserveCapacity(members.count)
            for (uid, value) in members { known[uid] = Known(fields: value.objectValue ?? [:]) }
        }
        let isBaseline = previous == nil
        cycle.baseline = isBaseline && !emitExisting

        var events: [Event] = []
        var current: [String: JSON] = [:]
        current.reserveCapacity(listing.items.count)
        let now = Date()
        for member in listing.items {
            // Built by hand, not through the encoder: this runs for every member of every cycle.
            var stored = Self.remembered(member)
            let before = known.removeValue(forKey: member.userUID)
            let createdAt = ResourceJSON.timestamp(member.createdAt)
            if createdAt.isEmpty {
                let seen = before?.seen ?? ""
                stored[Known.seenField] = .string(seen.isEmpty ? Self.seenTag(cycle: cycleNumber, at: now) : seen)
            }
            current[member.userUID] = .object(stored)
            let tag = Known(fields: stored).membershipTag
            if let before {
                let role = member.role?.rawValue ?? ""
                if !before.createdAt.isEmpty, !createdAt.isEmpty, before.createdAt != createdAt {
                    // Another membership of the same person: they left and joined again between two
                    // polls (or while the bot was down). Both are facts, each with its own key.
                    events.append(
                        membership(.memberLeft, member: before.body(uid: member.userUID), uid: member.userUID, createdAt: before.membershipTag)
                    )
                    let body = try ResourceJSON.encode(member)
                    events.append(membership(.memberJoined, member: body, uid: member.userUID, createdAt: tag))
                } else if before.role != role {
                    let body = try ResourceJSON.encode(member)
                    events.append(roleChanged(member: body, uid: member.userUID, from: before.role, to: role, cycle: cycleNumber))
                }
            } else if !isBaseline || emitExisting {
                let body = try ResourceJSON.encode(member)
                events.append(membership(.memberJoined, member: body, uid: member.userUID, createdAt: tag))
            }
        }
        // What is left in `known` was not listed. A cut listing says nothing about them: keep them, and
        // a mark from before carries over.
        let readAtOnce = listing.calls <= 1
        for (uid, before) in known {
            if !listing.truncated, readAtOnce || missingBefore.contains(uid) {
                events.append(membership(.memberLeft, member: before.body(uid: uid), uid: uid, createdAt: before.membershipTag))
            } else {
                current[uid] = .object(before.fields)
                if !listing.truncated || missingBefore.contains(uid) { missing.append(uid) }
            }
        }

        var state: [String: JSON] = ["cycle": .number(Double(cycleNumber)), "members": .object(current)]
        if !missing.isEmpty { state["missing"] = .array(missing.sorted().map(JSON.string)) }
        let snapshot = JSON.object(state)
        cycle.raised = events.count
        cycle.stored = try await context.commit(events, snapshots: [snapshotKey: snapshot])
        return cycle
    }

    /// The fields kept per member: enough for a `member.left` body.
    static func remembered(_ member: OrganizationMember) -> [String: JSON] {
        var kept: [String: JSON] = ["role": .string(member.role?.rawValue ?? "")]
        if let createdAt = member.createdAt { kept["created_at"] = .string(AvalaJSON.formatTimestamp(createdAt)) }
        if let email = member.email { kept["email"] = .string(email) }
        if let username = member.username { kept["username"] = .string(username) }
        if let fullName = member.fullName { kept["full_name"] = .string(fullName) }
        return kept
    }

    private func membership(_ type: EventType, member: JSON, uid: String, createdAt: String) -> Event {
        Event(
            type: type,
            source: .poller,
            origin: name,
            subject: .init(kind: "member", uid: uid),
            data: ["organization": .string(organization), "member": member],
            keys: ["\(type.rawValue):\(organization):\(uid):\(createdAt)"]
        )
    }

    private func roleChanged(member: JSON, uid: String, from: String, to: String, cycle: Int) -> Event {
        Event(
            type: .memberRoleChanged,
            source: .poller,
            origin: name,
            subject: .init(kind: "member", uid: uid),
            data: ["organization": .string(organization), "member": member, "from": .string(from), "to": .string(to)],
            keys: ["member.role_changed:\(organization):\(uid):\(from):\(to):\(cycle)"]
        )
    }
}
