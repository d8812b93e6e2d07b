public import BotKit
public import Foundation

/// Turns a delivered body into an ``Event``: the subject under its kind, its keys, its subject — the
/// same for the listener and for `simulate --type`, so a dry run sees exactly what a delivery would.
///
/// PRODUCT.md: a body that is the bare resource (as Avala sends an export) becomes `{"export": {…}}`;
/// an envelope's `data` or `payload` is the resource; flat agent-style payloads map `task_uid` →
/// `task.uid`, `project_uid` → `project.uid`; statuses are normalized (`exported` → `completed`) before
/// keys are made. Unknown types are kept, their resource under `payload`.
public enum EventNormalizer {
    /// Kinds whose resource sits under its own name in the body.
    static let kinds: Set<String> = ["export", "project", "member", "invitation", "dataset", "task", "result", "delivery"]

    /// The types only a poller reports (PRODUCT.md's table of events): an event file of one that names
    /// no `source` is read as the poller's.
    public static let pollerTypes: Set<EventType> = [
        .projectStatusChanged, .projectCompleted, .projectProgress, .projectQualityDropped, .memberJoined, .memberLeft,
        .memberRoleChanged, .invitationAccepted, .invitationExpired, .webhookDeliveryFailed,
    ]

    /// The source a type comes from when nothing says (an event file without `source`).
    public static func documentedSource(of type: EventType) -> Event.Source {
        if type.isBotEvent { return .bot }
        return pollerTypes.contains(type) ? .poller : .webhook
    }

    /// The key the type's resource sits under (`webhook.delivery_failed`'s is `delivery`), or nil.
    static func bodyKind(of type: EventType) -> String? {
        if type == .webhookDeliveryFailed { return "delivery" }
        return type.subjectKind.flatMap { kinds.contains($0) ? $0 : nil }
    }

    /// - Parameters:
    ///   - type: the event type (from a header or the body).
    ///   - body: the delivered JSON.
    ///   - source: the listener path's source name, for the delivery key.
    ///   - deliveryID: the sender's delivery id, when it sent one.
    public static func normalize(
        type: EventType,
        body: JSON,
        source: String,
        deliveryID: String?,
        receivedAt: Date = Date(),
        chainDepth: Int = 0
    ) -> Event {
        let resource = envelopeResource(body)
        var data: [String: JSON]
        let kind = bodyKind(of: type)
        if let kind {
            if case .object(let object) = resource, object[kind]?.objectValue != nil {
                data = object
            } else {
                data = [kind: resource]
            }
            data = liftFlatKeys(data)
        } else {
            data = ["payload": resource]
        }
        if kind == "export", case .object(var export)? = data["export"], let status = export["status"]?.stringValue {
            export["status"] = .string(normalizeExportStatus(status))
            data["export"] = .object(export)
        }
        // The subject's uid; a resource in the `data: {id, …}` envelope names it `id`, which becomes its
        // `uid` (templates say `export.uid`). An empty one names nothing: no subject, no semantic key.
        if let kind, case .object(var resource)? = data[kind], (resource["uid"]?.stringValue ?? "").isEmpty,
            let id = resource["id"]?.stringValue, !id.isEmpty
        {
            resource["uid"] = .string(id)
            data[kind] = .object(resource)
        }
        // A member is named by its user, as the members poller names it: one person in one organization,
        // whatever the membership record's own uid.
        let uidField = kind == "member" && (data["member"]?["user_uid"]?.stringValue ?? "").isEmpty == false ? "user_uid" : "uid"
        let subjectUID = kind.flatMap { data[$0]?[uidField]?.stringValue }.flatMap { $0.isEmpty ? nil : $0 }
        var keys: [String] = []
        if let deliveryID, !deliveryID.isEmpty { keys.append("delivery:\(source):\(deliveryID)") }
        if let kind, let uid = subjectUID, let semantic = semanticKey(type: type, kind: kind, uid: uid, data: data) {
            keys.append(semantic)
        }
        return Event(
            type: type,
            source: .webhook,
            origin: source,
            time: receivedAt,
            subject: subjectUID.map { Event.Subject(kind: kind!, uid: $0) },
            data: .object(data),
            keys: keys,
            chainDepth: chainDepth
        )
    }

    /// An event already in the bot's own form (another bot's `forward`, an event file): `data` is kept as
    /// it is, so an unknown type's `payload` is not wrapped twice and a `bot.*` body keeps its fields at
    /// the root. Only a subject under its kind (`data.export`) is normalized as a delivery would be, which
    /// gives the event its subject and semantic key.
    public static func botForm(
        type: EventType,
        data: [String: JSON],
        source: String,
        deliveryID: String?,
        receivedAt: Date = Date(),
        chainDepth: Int = 0
    ) -> Event {
        if let kind = bodyKind(of: type), data[kind]?.objectValue != nil {
            return normalize(
                type: type,
                body: .object(data),
                source: source,
                deliveryID: deliveryID,
                receivedAt: receivedAt,
                chainDepth: chainDepth
            )
        }
        let keys = deliveryID.map { ["delivery:\(source):\($0)"] } ?? []
        return Event(type: type, source: .webhook, origin: source, time: receivedAt, data: .object(data), keys: keys, chainDepth: chainDepth)
    }

    /// The event type a body names, for senders that do not put it in a header.
    public static func typeInBody(_ body: JSON) -> EventType? {
        for key in ["event", "event_type", "type"] {
            if let name = body[key]?.stringValue, !name.isEmpty { return EventType(rawValue: name) }
        }
        return nil
    }

    /// `exported` and `completed` are both `completed`, so either spelling makes the same key.
    public static func normalizeExportStatus(_ status: String) -> String {
        let lowered = status.lowercased()
        return lowered == "exported" ? "completed" : lowered
    }

    private static func envelopeResource(_ body: JSON) -> JSON {
        for key in ["data", "payload", "event_payload"] {
            if let inner = body[key], inner.objectValue != nil { return inner }
        }
        return body
    }

    /// `task_uid: x` → `task: {uid: x}`, for every known kind, unless the kind is already an object.
    private static func liftFlatKeys(_ data: [String: JSON]) -> [String: JSON] {
        var result = data
        for (name, holder) in data {
            guard case .object(let object) = holder else { continue }
            var lifted = object
            for other in kinds where other != name {
                if let uid = object["\(other)_uid"]?.stringValue, result[other] == nil {
                    result[other] = ["uid": .string(uid)]
                    lifted.removeValue(forKey: "\(other)_uid")
                }
            }
            if let uid = object["\(name)_uid"]?.stringValue, object["uid"] == nil {
                lifted["uid"] = .string(uid)
            }
            result[name] = .object(lifted)
        }
        return result
    }

    /// `50` for 50.0, `12.5` otherwise: a progress threshold as a user wrote it, for keys (the projects
    /// poller's and the one made from a body).
    public static func thresholdText(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// The semantic keys of PRODUCT.md's event table, made from the body: a poller's type (forwarded by
    /// another bot, or in an event file) gets the key its poller gives it, where the body holds what the
    /// key is made of. `member.role_changed`'s key counts the poller's cycles, which no body holds.
    static func semanticKey(type: EventType, kind: String, uid: String, data: [String: JSON]) -> String? {
        func text(_ value: JSON?) -> String? { value?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
        switch type {
        case .exportCompleted, .exportFailed, .datasetCreated, .datasetDeleted, .taskCompleted, .resultSubmitted,
            .resultAccepted, .resultRejected, .invitationAccepted, .invitationExpired:
            return "\(type.rawValue):\(uid)"
        case .memberJoined, .memberLeft:
            guard let organization = text(data["organization"]), let created = text(data["member"]?["created_at"]) else { return nil }
            return "\(type.rawValue):\(organization):\(uid):\(created)"
        case .projectStatusChanged:
            guard let to = text(data["to"]), let updated = text(data["project"]?["updated_at"]) else { return nil }
            return "\(type.rawValue):\(uid):\(to):\(updated)"
        case .projectCompleted, .projectQualityDropped:
            guard let updated = text(data["project"]?["updated_at"]) else { return nil }
            return "\(type.rawValue):\(uid):\(updated)"
        case .projectProgress:
            guard let threshold = data["threshold"]?.numberValue else { return nil }
            return "\(type.rawValue):\(uid):\(thresholdText(threshold))"
        case .webhookDeliveryFailed:
            guard let attempts = data["delivery"]?["attempts"]?.intValue else { return nil }
            return "\(type.rawValue):\(uid):\(attempts)"
        case .datasetUpdated:
            // Without its time, one key would stand for every later update of the dataset: none then
            // (the delivery key still applies).
            guard let updated = data["dataset"]?["updated_at"]?.text, !updated.isEmpty else { return nil }
            return "\(type.rawValue):\(uid):\(updated)"
        default:
            return nil
        }
    }
}
