import BotKit

/// One alert group's state: the alerts waiting for its next message, and what it has sent.
///
/// A group is one rule, one receiver and the values of the action's `group_by` paths. State shape
/// (times are milliseconds since 1970):
///
/// ```json
/// {"rule": "page-on-failed-export", "receiver": "ops-slack", "labels": {"event.type": "export.failed"},
///  "instance": "5d41c0a9e3b27f10",
///  "pending": [{"id": "<idempotency key>", "fingerprint": "9f1c…"}], "flush_at": 1767225630000, "last_sent_at": 1767225600000, "sends": 3,
///  "lease": {"holder": "<idempotency key>", "until": 1767225645000},
///  "delivered": [{"id": "<idempotency key>", "at": 1767225600000}],
///  "sent": [{"fingerprint": "9f1c…", "at": 1767225600000}],
///  "group_interval": 300000, "repeat_interval": 14400000, "touched_at": 1767225600000}
/// ```
///
/// `pending` lists the waiting alerts by id and fingerprint (``WaitingAlert``); each alert's text and
/// event are kept under its own key (``AlertGroupState``), so a group of many alerts stays small.
/// `instance` tells this group apart from an earlier one with the same key that was forgotten (a group
/// is pruned once idle past `repeat_interval`, and a new one starts counting its messages from 1 again);
/// `delivered` lets an action woken after another sent its alert say so instead of sending it again;
/// `sent` is what `repeat_interval` checks; the `lease` keeps two actions woken together from both sending.
struct AlertGroup: Hashable, Sendable {
    struct Lease: Hashable, Sendable {
        var holder: String
        var until: Int64
    }

    struct Delivered: Hashable, Sendable {
        var id: String
        var at: Int64
    }

    struct Sent: Hashable, Sendable {
        var fingerprint: String
        var at: Int64
    }

    var rule: String
    var receiver: String
    var labels: [String: String]
    /// Random, chosen when the group is created and kept with it: part of every message id, so that a
    /// recreated group's first message does not reuse the id of the first message of its predecessor.
    /// Nil for a group stored before it existed (its ids keep their old form, so a resend still matches).
    var instance: String?
    var pending: [WaitingAlert] = []
    /// When the pending alerts are due to be sent; nil when none are pending.
    var flushAt: Int64?
    var lastSentAt: Int64?
    /// Messages sent so far; the next one's sequence number is `sends + 1`.
    var sends = 0
    var lease: Lease?
    var delivered: [Delivered] = []
    var sent: [Sent] = []
    var groupInterval: Int64
    var repeatInterval: Int64
    var touchedAt: Int64

    init(
        rule: String,
        receiver: String,
        labels: [String: String],
        instance: String? = nil,
        groupInterval: Int64,
        repeatInterval: Int64,
        touchedAt: Int64
    ) {
        self.rule = rule
        self.receiver = receiver
        self.labels = labels
        self.instance = instance
        self.groupInterval = groupInterval
        self.repeatInterval = repeatInterval
        self.touchedAt = touchedAt
    }

    init?(json: JSON) {
        guard let object = json.objectValue, let rule = object["rule"]?.stringValue, let receiver = object["receiver"]?.stringValue else {
            return nil
        }
        func int(_ value: JSON?) -> Int64? { value?.numberValue.map { Int64($0) } }
        self.init(
            rule: rule,
            receiver: receiver,
            labels: (object["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
            instance: object["instance"]?.stringValue,
            groupInterval: int(object["group_interval"]) ?? 0,
            repeatInterval: int(object["repeat_interval"]) ?? 0,
            touchedAt: int(object["touched_at"]) ?? 0
        )
        pending = (object["pending"]?.arrayValue ?? []).compactMap(WaitingAlert.init(json:))
        flushAt = int(object["flush_at"])
        lastSentAt = int(object["last_sent_at"])
        sends = object["sends"]?.intValue ?? 0
        if let holder = object["lease"]?["holder"]?.stringValue, let until = int(object["lease"]?["until"]) {
            lease = Lease(holder: holder, until: until)
        }
        delivered = (object["delivered"]?.arrayValue ?? []).compactMap { entry in
            guard let id = entry["id"]?.stringValue, let at = int(entry["at"]) else { return nil }
            return Delivered(id: id, at: at)
        }
        sent = (object["sent"]?.arrayValue ?? []).compactMap { entry in
            guard let fingerprint = entry["fingerprint"]?.stringValue, let at = int(entry["at"]) else { return nil }
            return Sent(fingerprint: fingerprint, at: at)
        }
    }

    var json: JSON {
        var object: [String: JSON] = [
            "rule": .string(rule), "receiver": .string(receiver), "labels": .object(labels.mapValues(JSON.string)),
            "pending": .array(pending.map(\.json)), "sends": .number(Double(sends)),
            "delivered": .array(delivered.map { ["id": .string($0.id), "at": .number(Double($0.at))] }),
            "sent": .array(sent.map { ["fingerprint": .string($0.fingerprint), "at": .number(Double($0.at))] }),
            "group_interval": .number(Double(groupInterval)), "repeat_interval": .number(Double(repeatInterval)),
            "touched_at": .number(Double(touchedAt)),
        ]
        if let instance { object["instance"] = .string(instance) }
        if let flushAt { object["flush_at"] = .number(Double(flushAt)) }
        if let lastSentAt { object["last_sent_at"] = .number(Double(lastSentAt)) }
        if let lease { object["lease"] = ["holder": .string(lease.holder), "until": .number(Double(lease.until))] }
        return .object(object)
    }

    /// Nothing waiting and no one sending: safe to drop once its memory has expired.
    var isIdle: Bool { pending.isEmpty && lease == nil }

    /// When a batch that starts now is due: `group_interval` after the last message while that is still
    /// ahead, else `group_wait` from now. A group whose last message is long past starts over with
    /// `group_wait`, so the first of a new burst does not go out alone.
    func nextFlush(now: Int64, groupWait: Int64) -> Int64 {
        if let lastSentAt, lastSentAt + groupInterval > now { return lastSentAt + groupInterval }
        return now + groupWait
    }

    /// Drops what no decision needs any more, and caps every list.
    mutating func prune(now: Int64) {
        // Delivered ids are kept at least an hour, whatever repeat_interval says: an action deferred
        // behind another's lease must still find its alert delivered when it wakes, or it would send it again.
        let deliveredCutoff = now - max(repeatInterval, AlertGroupBook.minimumDeliveredRetention)
        delivered.removeAll { $0.at <= deliveredCutoff }
        if delivered.count > AlertGroupBook.maxDelivered { delivered.removeFirst(delivered.count - AlertGroupBook.maxDelivered) }
        sent.removeAll { $0.at <= now - repeatInterval }
        if sent.count > AlertGroupBook.maxSent { sent.removeFirst(sent.count - AlertGroupBook.maxSent) }
        if let lease, lease.until <= now { self.lease = nil }
        if pending.isEmpty { flushAt = nil }
    }

    /// A new value for ``instance``: 64 random bits in hex.
    static func newInstance() -> String {
        let hex = String(UInt64.random(in: .min ... .max), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Idle, and nothing remembered that a later alert would need.
    func isForgettable(now: Int64) -> Bool {
        isIdle && delivered.isEmpty && sent.isEmpty && (lastSentAt.map { $0 + groupInterval <= now } ?? true)
    }
}
