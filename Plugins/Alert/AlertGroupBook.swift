import BotKit

/// Every alert group, kept under one plugin state key (``stateKey``, `groups`): an object from group key
/// to ``AlertGroup``.
///
/// One key rather than one per group, so that every change can prune groups nobody has alerted on for a
/// while: with one key per group, a `group_by: [project.uid]` would leave a key behind per project forever.
/// Every change is a pure function of the stored value, applied through ``PluginState/update(_:_:)``.
/// A waiting alert is listed by id and fingerprint only (``WaitingAlert``): its text and event are kept
/// under its own key (``AlertGroupState``), so that the book a flood of alerts rewrites stays small.
struct AlertGroupBook: Hashable, Sendable {
    static let stateKey = "groups"
    /// Caps that bound the state however many alerts arrive.
    static let maxGroups = 500
    static let maxPending = 1_000
    static let maxDelivered = 1_000
    static let maxSent = 200
    static let minimumDeliveredRetention: Int64 = 3_600_000

    /// What an action's alert came to when it was registered with its group.
    enum Registration: Hashable, Sendable {
        /// Another action's message carried it, at this time.
        case delivered(at: Int64)
        /// The same text went to this group at this time, within `repeat_interval`.
        case repeated(at: Int64)
        /// The same text is already waiting in the group: it is sent once.
        case alreadyWaiting
        /// The group holds ``maxPending`` alerts; try again once it has flushed.
        case full(until: Int64)
        /// Waiting for the group's flush time, with this many alerts in the group.
        case waiting(until: Int64, count: Int)
        /// Due, but another action holds the lease and is sending.
        case leased(until: Int64)
        /// Due, and this action holds the lease: send the waiting alerts as message number `sequence` of
        /// the group `instance` (less those a silence begun since they joined now holds back, which the
        /// sender takes out with ``leaveOut(_:key:now:)``).
        case flush(alerts: [WaitingAlert], sequence: Int, instance: String?)
    }

    var groups: [String: AlertGroup]

    init(json: JSON?) {
        groups = (json?.objectValue ?? [:]).compactMapValues(AlertGroup.init(json:))
    }

    var json: JSON { .object(groups.mapValues(\.json)) }

    /// Adds `alert` to its group unless it was delivered or repeats, and takes the group's lease when the
    /// group is due and no one else holds it.
    mutating func register(
        _ alert: WaitingAlert,
        key: String,
        template: AlertGroup,
        timings: AlertTimings,
        now: Int64,
        leaseFor lease: Int64
    ) -> Registration {
        prune(now: now)
        var group = groups[key] ?? template
        // The latest action's intervals win, as the latest config would.
        group.groupInterval = AlertTime.milliseconds(timings.groupInterval)
        group.repeatInterval = AlertTime.milliseconds(timings.repeatInterval)
        group.touchedAt = now
        defer { groups[key] = group }

        if let delivered = group.delivered.last(where: { $0.id == alert.id }) { return .delivered(at: delivered.at) }
        if !group.pending.contains(where: { $0.id == alert.id }) {
            let fingerprint = alert.fingerprint
            if let sent = group.sent.last(where: { $0.fingerprint == fingerprint }), sent.at > now - group.repeatInterval {
                return .repeated(at: sent.at)
            }
            if group.pending.contains(where: { $0.fingerprint == fingerprint }) { return .alreadyWaiting }
            guard group.pending.count < Self.maxPending else {
                return .full(until: max(group.flushAt ?? now, group.lease?.until ?? now, now + 1_000))
            }
            group.pending.append(alert)
        }
        let flushAt = group.flushAt ?? group.nextFlush(now: now, groupWait: AlertTime.milliseconds(timings.groupWait))
        group.flushAt = flushAt
        guard flushAt <= now else { return .waiting(until: flushAt, count: group.pending.count) }
        if let held = group.lease, held.until > now, held.holder != alert.id { return .leased(until: held.until) }
        group.lease = AlertGroup.Lease(holder: alert.id, until: now + lease)
        return .flush(alerts: group.pending, sequence: group.sends + 1, instance: group.instance)
    }

    /// Takes alerts out of the group whose lease the sender holds, before it sends: those a silence begun
    /// since they joined now holds back (their own actions report the silence), and those whose own key
    /// is gone (their actions withdrew them meanwhile). The lease and the due time stay.
    mutating func leaveOut(_ ids: Set<String>, key: String, now: Int64) {
        guard var group = groups[key], !ids.isEmpty else { return }
        group.pending.removeAll { ids.contains($0.id) }
        group.touchedAt = now
        groups[key] = group
    }

    /// Drops the inline copy of the alerts `ids` (an earlier version's layout) once they are kept under
    /// their own keys.
    mutating func detach(_ ids: Set<String>) {
        for key in Array(groups.keys) {
            guard var group = groups[key], group.pending.contains(where: { $0.legacy != nil && ids.contains($0.id) }) else { continue }
            for index in group.pending.indices where ids.contains(group.pending[index].id) {
                group.pending[index].legacy = nil
            }
            groups[key] = group
        }
    }

    /// Records a sent message: its alerts leave `pending` for `delivered`, their texts start
    /// `repeat_interval`, and alerts that arrived meanwhile wait `group_interval`.
    mutating func markDelivered(_ alerts: [GroupedAlert], key: String, holder: String, now: Int64) {
        guard var group = groups[key] else { return }
        let ids = Set(alerts.map(\.id))
        group.pending.removeAll { ids.contains($0.id) }
        group.delivered.removeAll { ids.contains($0.id) }
        group.delivered += alerts.map { AlertGroup.Delivered(id: $0.id, at: now) }
        let fingerprints = Set(alerts.map(\.fingerprint))
        group.sent.removeAll { fingerprints.contains($0.fingerprint) }
        group.sent += fingerprints.sorted().map { AlertGroup.Sent(fingerprint: $0, at: now) }
        group.lastSentAt = now
        group.sends += 1
        if group.lease?.holder == holder { group.lease = nil }
        group.flushAt = group.pending.isEmpty ? nil : now + group.groupInterval
        group.touchedAt = now
        group.prune(now: now)
        groups[key] = group
    }

    /// Records a failed send. `notBefore` (a receiver's `Retry-After`) holds the whole group back, so that
    /// the other waiting actions do not hammer a receiver that asked for a pause; `withdrawing` takes one
    /// alert out (its action failed for good and is dead-lettered).
    ///
    /// A failure for good gives the lease back. A failure for now (`keepingLease`) leaves it with the
    /// sender until it runs out: the sender's action is retried and sends for the group again, or the
    /// dispatcher gives up on it, and ``abandon(_:now:)`` then gives the lease back and takes its alert out
    /// in one change. Given back here, the lease would let another action send the group's message, this
    /// alert included, between the failure and the dispatcher's dead letter.
    mutating func release(
        key: String,
        holder: String,
        notBefore: Int64?,
        withdrawing: String? = nil,
        keepingLease: Bool = false,
        now: Int64
    ) {
        guard var group = groups[key] else { return }
        if !keepingLease, group.lease?.holder == holder { group.lease = nil }
        if let withdrawing { group.pending.removeAll { $0.id == withdrawing } }
        if group.pending.isEmpty {
            group.flushAt = nil
        } else if let notBefore {
            group.flushAt = max(group.flushAt ?? notBefore, notBefore)
        }
        group.touchedAt = now
        groups[key] = group
    }

    /// Takes one alert out of its group, if it is waiting there (a silence added after it arrived).
    mutating func withdraw(_ id: String, key: String, now: Int64) {
        guard var group = groups[key], group.pending.contains(where: { $0.id == id }) else { return }
        group.pending.removeAll { $0.id == id }
        if group.pending.isEmpty { group.flushAt = nil }
        group.touchedAt = now
        groups[key] = group
    }

    /// Takes the alert of an action that the dispatcher will not run (for now) out of the group it waits
    /// in, and gives back the lease the action holds, if any: its own action can no longer send it, and a
    /// message that another action flushes must not carry it. The action's id is enough to find it (an id
    /// waits in one group at most); the group key would need the action's parameters, which the dispatcher
    /// does not hand over then.
    ///
    /// - Returns: whether the alert was waiting or its action held a lease.
    mutating func abandon(_ id: String, now: Int64) -> Bool {
        var changed = false
        for key in Array(groups.keys) {
            guard var group = groups[key] else { continue }
            let waiting = group.pending.contains { $0.id == id }
            let holding = group.lease?.holder == id
            guard waiting || holding else { continue }
            group.pending.removeAll { $0.id == id }
            if holding { group.lease = nil }
            if group.pending.isEmpty { group.flushAt = nil }
            group.touchedAt = now
            groups[key] = group
            changed = true
        }
        return changed
    }

    /// Prunes every group, forgets groups with nothing left to remember, and keeps at most ``maxGroups``
    /// by dropping the least recently used idle ones (a group with waiting alerts is never dropped).
    mutating func prune(now: Int64) {
        for key in Array(groups.keys) {
            guard var group = groups[key] else { continue }
            group.prune(now: now)
            groups[key] = group.isForgettable(now: now) ? nil : group
        }
        guard groups.count > Self.maxGroups else { return }
        let idle = groups.filter { $0.value.isIdle }.sorted { ($0.value.touchedAt, $0.key) < ($1.value.touchedAt, $1.key) }
        for (key, _) in idle.prefix(groups.count - Self.maxGroups) { groups[key] = nil }
    }
}
