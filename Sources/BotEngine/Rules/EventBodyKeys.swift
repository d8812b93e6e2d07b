import BotKit

/// The body keys each known event type carries (PRODUCT.md's "Events" table, `body` column), so that
/// `check-config` can warn about a path no event of a rule's types will ever have.
///
/// Optional keys (an export's `project`, present when enrichment worked) count as carried: the warning
/// is for paths that can never resolve, not for ones that sometimes don't.
public enum EventBodyKeys {
    private static let table: [EventType: [String]] = [
        .exportCompleted: ["export", "project"], .exportFailed: ["export", "project"],
        .datasetCreated: ["dataset"], .datasetUpdated: ["dataset"], .datasetDeleted: ["dataset"],
        .taskCompleted: ["task", "project"],
        .resultSubmitted: ["result", "task"], .resultAccepted: ["result", "task"], .resultRejected: ["result", "task"],
        .projectStatusChanged: ["project", "from", "to"], .projectCompleted: ["project", "from"],
        .projectProgress: ["project", "metrics", "threshold"], .projectQualityDropped: ["project", "metrics", "threshold"],
        .memberJoined: ["organization", "member"], .memberLeft: ["organization", "member"],
        .memberRoleChanged: ["organization", "member", "from", "to"],
        .invitationAccepted: ["organization", "invitation"], .invitationExpired: ["organization", "invitation"],
        .webhookDeliveryFailed: ["delivery"],
        .botActionDeadLettered: ["action", "rule", "reason", "original"],
        .botPollerFailing: ["poller", "error", "since"], .botPollerRecovered: ["poller", "error", "since"],
        .botWebhookRejectedBurst: ["source", "count", "reasons", "window_start"],
        .botRosterDue: ["organization", "file", "every"],
    ]

    /// The keys of a known type's body; nil for a type this version does not know (anything may come).
    static func keys(for type: EventType) -> [String]? {
        table[type]
    }

    /// Why no event can have `path` (`data.msg`: no body has `data`; `event.typo`: no such field;
    /// `organization.slug`: `organization` is a text wherever it is), or
    /// nil when some event may. For a matcher that applies to every type (an alert silence): an unknown
    /// type's resource sits under `payload`, so that counts as carried.
    public static func neverCarried(_ path: String) -> String? {
        let components = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let root = components.first, !root.isEmpty, !components.contains(where: \.isEmpty) else {
            return "'\(path)' is not a path like event.type or project.name"
        }
        if root == "event" {
            guard components.count > 1, !ScopePath.eventFields.contains(components[1]) else { return nil }
            return "event has no field '\(components[1])' (fields: \(ScopePath.eventFields.joined(separator: ", ")))"
        }
        let carried = Set(table.values.joined()).union(["payload"])
        guard !carried.contains(root) else {
            // `organization.slug`: in every event that has it, `organization` is the slug itself.
            guard components.count > 1, let values = singleValue(root, in: Array(table.keys)) else { return nil }
            return "'\(root)' is \(values.sorted().joined(separator: " or ")) in every event that carries it, with no fields (write '\(root)')"
        }
        return "no event carries '\(root)' (events carry: event, \(carried.sorted().joined(separator: ", ")))"
    }

    /// The fields of the resources the bot builds itself: a poller's body is an API model encoded (only
    /// the model's fields survive its decoding), and a bot event's is written by the dispatcher. So a
    /// misspelt field there (`invitation.email` for `invited_email`) can never resolve, as surely as a
    /// misspelt key. Resources a webhook brings (an export, a task) may carry fields no model lists and
    /// are not checked. AvalaBotTests holds the lists to the models.
    static let memberFields = ["user_uid", "username", "email", "full_name", "role", "created_at", "last_active_at"]
    static let invitationFields = [
        "uid", "invited_email", "organization_name", "organization_slug", "invited_by_username", "role", "status", "expires_at",
        "is_expired", "created_at",
    ]
    static let deliveryFields = [
        "uid", "subscription", "event_type", "payload", "response_status", "response_body", "response_body_size",
        "response_body_sha256", "response_preview", "attempts", "next_retry_at", "status", "created_at", "updated_at",
    ]
    static let metricsFields = ["total_tasks", "completed_tasks", "acceptance_rate"]

    /// The documented fields of resources a webhook may bring, whose sender may add fields of its own (the
    /// API's models; Avala's export webhook sends a subset): a field one slip away from one of these and
    /// not one of them (`export.formt`) is warned about with the suggestion; one unlike all of them may be
    /// the sender's own, and is not. AvalaBotTests holds the lists to the models.
    static let exportFields = [
        "uid", "status", "name", "format", "projects", "datasets", "slices", "error", "download_url", "total_task_count",
        "exported_task_count", "created_at", "updated_at",
    ]
    static let projectFields = ["uid", "name", "status", "task_type", "owner_name", "is_active", "created_at", "updated_at"]
    static let documentedFields: [String: [String]] = ["export": exportFields, "project": projectFields]

    private static let fieldTable: [EventType: [String: [String]]] = [
        .memberJoined: ["member": memberFields], .memberLeft: ["member": memberFields], .memberRoleChanged: ["member": memberFields],
        .invitationAccepted: ["invitation": invitationFields], .invitationExpired: ["invitation": invitationFields],
        .webhookDeliveryFailed: ["delivery": deliveryFields],
        .projectProgress: ["metrics": metricsFields], .projectQualityDropped: ["metrics": metricsFields],
        .botActionDeadLettered: ["action": ["plugin", "action", "index"], "original": ["id", "type"]],
    ]

    /// The fields an event of this type carries under `key`; nil when they are not known for certain.
    static func fields(of key: String, for type: EventType) -> [String]? {
        fieldTable[type]?[key]
    }

    /// The keys whose value is one text or number, not an object, with what it is: a path below one
    /// (`organization.slug`, where `organization` is the slug itself) can never resolve.
    private static let valueTable: [EventType: [String: String]] = {
        let organization = ["organization": "the organization's slug"]
        let statuses = ["from": "a project status", "to": "a project status"]
        let poller = ["poller": "the poller's name", "error": "the error's text", "since": "a time"]
        let threshold = ["threshold": "a number"]
        return [
            .memberJoined: organization, .memberLeft: organization,
            .memberRoleChanged: organization.merging(["from": "a role", "to": "a role"]) { first, _ in first },
            .invitationAccepted: organization, .invitationExpired: organization,
            .projectStatusChanged: statuses, .projectCompleted: ["from": "a project status"],
            .projectProgress: threshold, .projectQualityDropped: threshold,
            .botActionDeadLettered: ["rule": "the rule's name", "reason": "the failure's text"],
            .botPollerFailing: poller, .botPollerRecovered: poller,
            .botWebhookRejectedBurst: ["source": "the listener source's name", "count": "a number", "window_start": "a time"],
            .botRosterDue: organization.merging(["file": "the roster file's path", "every": "a duration"]) { first, _ in first },
        ]
    }()

    /// What the value under `key` is in an event of this type, when it is one text or number; nil for an
    /// object or an unknown type.
    static func value(of key: String, for type: EventType) -> String? {
        valueTable[type]?[key]
    }

    /// What `key` is (each distinct description, in the order of `types`) when every one of `types` that
    /// carries it holds one text or number there, so that no path goes below it; nil when none carries it
    /// or one holds an object there.
    static func singleValue(_ key: String, in types: [EventType]) -> [String]? {
        let carriers = types.filter { table[$0]?.contains(key) == true }
        var values: [String] = []
        for type in carriers {
            guard let value = value(of: key, for: type) else { return nil }
            if !values.contains(value) { values.append(value) }
        }
        return values.isEmpty ? nil : values
    }

    /// What `data`, a body the bot built for an event of `type`, has that the tables above do not say, or
    /// lacks that they promise: a key `table` does not list, a listed key missing (unless in `optional`), an
    /// object or list under a `valueTable` key, a field `fieldTable` does not list. Empty when they agree.
    /// Tests hold the tables to the bodies the pollers, the dispatcher and the listener really build, so a
    /// body changed without its table (a key added, a text turned object) fails there, not as a wrong
    /// `check-config` warning in the field.
    static func mismatches(in data: JSON, for type: EventType, optional: Set<String> = []) -> [String] {
        guard let keys = table[type] else { return ["\(type.rawValue) has no entry in the body keys table"] }
        guard case .object(let body) = data else { return ["\(type.rawValue)'s body is not an object"] }
        var found: [String] = []
        // A table naming a key its own type does not list would describe a key no body has.
        let described = Set((valueTable[type] ?? [:]).keys).union((fieldTable[type] ?? [:]).keys)
        for key in described.subtracting(keys).sorted() {
            found.append("\(type.rawValue): '\(key)' has a value or field entry but is not among its keys")
        }
        for key in body.keys.sorted() where !keys.contains(key) {
            found.append("\(type.rawValue): the body has '\(key)', which its keys (\(keys.joined(separator: ", "))) lack")
        }
        for key in keys where body[key] == nil && !optional.contains(key) {
            found.append("\(type.rawValue): the body lacks '\(key)'")
        }
        for (key, value) in body.sorted(by: { $0.key < $1.key }) {
            if valueTable[type]?[key] != nil {
                switch value {
                case .object, .array: found.append("\(type.rawValue): '\(key)' is listed as one value but holds an object or list")
                default: break
                }
            }
            if let fields = fieldTable[type]?[key] {
                guard case .object(let object) = value else {
                    found.append("\(type.rawValue): '\(key)' is listed with fields but is not an object")
                    continue
                }
                for field in object.keys.sorted() where !fields.contains(field) {
                    found.append("\(type.rawValue): '\(key).\(field)' is in the body but not among \(key)'s fields")
                }
            }
        }
        return found
    }
}
