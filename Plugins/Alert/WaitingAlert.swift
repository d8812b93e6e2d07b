import BotKit

/// What a group keeps of one alert waiting for its next message: the action's id and the alert's
/// fingerprint, enough for every decision but the message itself.
///
/// State shape: `{"id", "fingerprint"}`. The alert's text and event (the ``GroupedAlert``) are kept under
/// a key of their own (``AlertGroupState/alertKey(_:)``), so that one alert joining a group of a thousand
/// writes that alert and a few dozen bytes of the group, not the other alerts' events again.
///
/// A group stored by an earlier version holds whole alerts in `pending`; such an entry is read into
/// ``legacy`` and written back whole by every change of the group, until ``AlertGroupState`` has moved it
/// to its own key.
struct WaitingAlert: Hashable, Sendable {
    var id: String
    var fingerprint: String
    /// The whole alert, for an entry stored inline by an earlier version and not yet moved to its own key.
    var legacy: GroupedAlert?

    init(id: String, fingerprint: String) {
        self.id = id
        self.fingerprint = fingerprint
    }

    init(_ alert: GroupedAlert) {
        self.init(id: alert.id, fingerprint: alert.fingerprint)
    }

    init?(json: JSON) {
        // An earlier version's entry carries the alert's text: all of it is kept until it is moved.
        if json["text"] != nil {
            guard let alert = GroupedAlert(json: json) else { return nil }
            self.init(alert)
            legacy = alert
            return
        }
        guard let id = json["id"]?.stringValue, let fingerprint = json["fingerprint"]?.stringValue else { return nil }
        self.init(id: id, fingerprint: fingerprint)
    }

    var json: JSON {
        legacy?.json ?? ["id": .string(id), "fingerprint": .string(fingerprint)]
    }
}
