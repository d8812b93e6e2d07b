import BotKit

/// One alert waiting in a group, as the group state keeps it.
///
/// State shape: `{"id", "text", "title"?, "rule", "event_id", "event"?, "scope"?, "at", "fingerprint"}`,
/// where `id` is the action's idempotency key (the same across retries, so an action finds its own alert
/// again), `at` is milliseconds since 1970, `event` (the event's file form) is kept only for receivers
/// that send it (`webhook`), and `scope` is the event as silences match it: a silence added after the
/// alert joined its group must still keep it out of the group's message, and the flush that sends the
/// message is another action's, with another event. Alerts stored before `scope` existed have none and
/// are sent as before.
struct GroupedAlert: Hashable, Sendable {
    var id: String
    var text: String
    var title: String?
    var rule: String
    var eventID: String
    var event: JSON?
    /// The event's ``Event/scope``, for the silence check at flush time.
    var scope: JSON?
    var at: Int64

    /// What `repeat_interval` compares: the same title and text are the same alert.
    var fingerprint: String { Self.fingerprint(text: text, title: title) }

    static func fingerprint(text: String, title: String?) -> String {
        AlertFingerprint.of((title ?? "") + "\u{1F}" + text)
    }

    init(id: String, text: String, title: String?, rule: String, eventID: String, event: JSON?, scope: JSON? = nil, at: Int64) {
        self.id = id
        self.text = text
        self.title = title
        self.rule = rule
        self.eventID = eventID
        self.event = event
        self.scope = scope
        self.at = at
    }

    init?(json: JSON) {
        guard let id = json["id"]?.stringValue, let text = json["text"]?.stringValue, let at = json["at"]?.numberValue else { return nil }
        self.init(
            id: id,
            text: text,
            title: json["title"]?.stringValue,
            rule: json["rule"]?.stringValue ?? "",
            eventID: json["event_id"]?.stringValue ?? "",
            event: json["event"],
            scope: json["scope"],
            at: Int64(at)
        )
    }

    var json: JSON {
        var object: [String: JSON] = [
            "id": .string(id), "text": .string(text), "rule": .string(rule), "event_id": .string(eventID),
            "at": .number(Double(at)), "fingerprint": .string(fingerprint),
        ]
        if let title { object["title"] = .string(title) }
        if let event { object["event"] = event }
        if let scope { object["scope"] = scope }
        return .object(object)
    }
}

extension GroupedAlert {
    /// Whether one of `silences` (those in force now) holds this alert back; an alert kept without its
    /// scope cannot be matched and is never held back.
    func isSilenced(by silences: [AlertSilence]) -> Bool {
        guard let scope else { return false }
        return silences.contains { $0.matches(scope) }
    }
}
