import BotKit
import Foundation

/// A group message as a Slack incoming-webhook body, in Block Kit:
/// `{"text": fallback, "blocks": [header, one section per alert, "…and N more", context]}`.
///
/// Slack refuses a message with more than 50 blocks (`invalid_blocks`), and a header longer than 150
/// characters or a section or context text longer than 3000 (a `group_by` value can be long), so long groups list the first ``maxListed`` alerts and say
/// how many more there are, and long texts are cut. The full list goes to `webhook` receivers.
struct SlackMessage: Sendable {
    static let maxListed = 40
    static let maxHeader = 150
    static let maxSection = 3_000
    static let maxFallback = 1_000

    var message: AlertMessage

    var json: JSON {
        let alerts = message.alerts
        var blocks: [JSON] = [
            ["type": "header", "text": ["type": "plain_text", "text": .string(Self.cut(header, to: Self.maxHeader)), "emoji": true]]
        ]
        for alert in alerts.prefix(Self.maxListed) {
            var text = Self.escaped(alert.text)
            // The header already shows a title the alerts share; repeat it only when they differ.
            if let title = alert.title, sharedTitle == nil { text = "*\(Self.escaped(title))*\n" + text }
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": .string(Self.cut(text, to: Self.maxSection))]])
        }
        if alerts.count > Self.maxListed {
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": .string("…and \(alerts.count - Self.maxListed) more")]])
        }
        var context = "\(alerts.count) \(alerts.count == 1 ? "alert" : "alerts") · rule \(Self.escaped(message.rule))"
        if !message.labelSummary.isEmpty { context += " · \(Self.escaped(message.labelSummary))" }
        blocks.append(["type": "context", "elements": [["type": "mrkdwn", "text": .string(Self.cut(context, to: Self.maxSection))]]])
        return ["text": .string(fallback), "blocks": .array(blocks)]
    }

    /// The title every alert shares, if they share one.
    private var sharedTitle: String? {
        guard let first = message.alerts.first?.title, message.alerts.allSatisfy({ $0.title == first }) else { return nil }
        return first
    }

    private var header: String {
        if let sharedTitle { return message.alerts.count == 1 ? sharedTitle : "\(sharedTitle) (\(message.alerts.count))" }
        return message.alerts.count == 1 ? "Alert: \(message.rule)" : "\(message.alerts.count) alerts: \(message.rule)"
    }

    /// What notifications and clients without Block Kit show. Slack reads control sequences in `text` as
    /// it does in blocks, so the lines are escaped here too: this is the text that notifies.
    private var fallback: String {
        let lines = message.lines.map(Self.escaped)
        let text = lines.count == 1 ? lines[0] : "\(lines.count) alerts: " + lines.joined(separator: "; ")
        return Self.cut(text, to: Self.maxFallback)
    }

    /// Slack's control characters: alert texts come from event data, and an export error containing
    /// `<!channel>` must not page a whole channel.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func cut(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
