import BotKit
import Foundation

/// One message to a receiver: every alert of a group that was due, sent together.
struct AlertMessage: Sendable {
    var receiver: String
    var rule: String
    var labels: [String: String]
    var alerts: [GroupedAlert]
    /// Stable for one flush of one group (the group, its instance and its message sequence number), so a
    /// retried delivery carries the same `webhook-id` and a receiver can drop the duplicate; a different
    /// message never carries it, even from a group that was forgotten and started again under the same key.
    var id: String

    init(
        receiver: String,
        rule: String,
        labels: [String: String],
        alerts: [GroupedAlert],
        groupKey: String,
        instance: String?,
        sequence: Int
    ) {
        self.receiver = receiver
        self.rule = rule
        self.labels = labels
        self.alerts = alerts
        self.id = "alert_\(AlertFingerprint.of(groupKey))_\(instance.map { "\($0)_" } ?? "")\(sequence)"
    }

    /// The `webhook` receiver's body:
    /// `{"id", "receiver", "group": {path: value…}, "count", "alerts": [{"text", "title", "rule", "event", "at"}]}`,
    /// where `event` is the event's file form (as `events show` prints it) and `at` when the alert was raised.
    var webhookJSON: JSON {
        let items: [JSON] = alerts.map { alert in
            var object: [String: JSON] = [
                "text": .string(alert.text), "rule": .string(alert.rule), "event": alert.event ?? ["id": .string(alert.eventID)],
                "at": .string(AlertTime.text(AlertTime.date(alert.at))),
            ]
            if let title = alert.title { object["title"] = .string(title) }
            return .object(object)
        }
        return [
            "id": .string(id), "receiver": .string(receiver), "group": .object(labels.mapValues(JSON.string)),
            "count": .number(Double(alerts.count)), "alerts": .array(items),
        ]
    }

    /// The alerts' texts on one line each, for the log receiver and fallbacks.
    var lines: [String] {
        alerts.map { alert in alert.title.map { "\($0): \(alert.text)" } ?? alert.text }
    }

    /// `event.type=export.failed, project.uid=p-1`, or empty when the group has no labels.
    var labelSummary: String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}
