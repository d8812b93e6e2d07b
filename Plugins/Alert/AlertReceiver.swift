import BotKit
import Foundation
import Logging

/// Where a group's messages go: `plugins.alert.receivers.<name>`, exactly one of
/// `{slack: {url}}`, `{webhook: {url, secret?}}` or `{log: {}}`.
///
/// A Slack incoming-webhook URL is itself a secret (anyone holding it can post), so no error, outcome or
/// log line quotes a receiver's URL or secret.
enum AlertReceiver: Sendable {
    /// POST Block Kit JSON to a Slack incoming webhook.
    case slack(url: String)
    /// POST the group as JSON; signed the Standard Webhooks way when a `whsec_` secret is configured.
    case webhook(url: String, signer: StandardWebhooksSigner?)
    /// Write the message to the bot's log at warning level: for trying rules, and a last resort.
    case log

    static let kinds = ["slack", "webhook", "log"]
    /// Per request; the lease a sender holds on its group outlasts it.
    static let timeout: Duration = .seconds(10)

    var kind: String {
        switch self {
        case .slack: "slack"
        case .webhook: "webhook"
        case .log: "log"
        }
    }

    /// Whether alerts must keep their event for this receiver's body.
    var sendsEvents: Bool {
        if case .webhook = self { return true }
        return false
    }

    /// Reads `receivers.<name>`.
    /// - Throws: ``PluginConfigError`` keyed by the path below `plugins.alert`.
    static func parse(_ value: JSON, path: String) throws(PluginConfigError) -> AlertReceiver {
        guard let object = value.objectValue else {
            throw PluginConfigError(key: path, "expected a mapping with exactly one of: \(kinds.joined(separator: ", "))")
        }
        if let unknown = object.keys.sorted().first(where: { !kinds.contains($0) }) {
            throw PluginConfigError(
                key: "\(path).\(unknown)",
                "unknown receiver kind '\(unknown)'; expected one of: \(kinds.joined(separator: ", "))"
            )
        }
        guard object.count == 1, let (kind, settings) = object.first else {
            let found = object.isEmpty ? "none" : object.keys.sorted().joined(separator: ", ")
            throw PluginConfigError(key: path, "expected exactly one of: \(kinds.joined(separator: ", ")); found \(found)")
        }
        let settingsPath = "\(path).\(kind)"
        let fields = try Self.fields(settings, path: settingsPath, allowed: kind == "webhook" ? ["url", "secret"] : kind == "slack" ? ["url"] : [])
        switch kind {
        case "slack":
            return .slack(url: try url(fields["url"], path: "\(settingsPath).url"))
        case "webhook":
            let url = try url(fields["url"], path: "\(settingsPath).url")
            guard let secret = fields["secret"], secret != .null else { return .webhook(url: url, signer: nil) }
            guard let text = secret.stringValue else {
                throw PluginConfigError(key: "\(settingsPath).secret", "expected a Standard Webhooks secret: whsec_ followed by base64")
            }
            do {
                return .webhook(url: url, signer: try StandardWebhooksSigner(secret: text))
            } catch {
                throw PluginConfigError(key: "\(settingsPath).secret", error.message)
            }
        default:
            return .log
        }
    }

    private static func fields(_ value: JSON, path: String, allowed: [String]) throws(PluginConfigError) -> [String: JSON] {
        if value == .null { return [:] }
        guard let object = value.objectValue else {
            throw PluginConfigError(
                key: path,
                allowed.isEmpty ? "expected an empty mapping ({})" : "expected a mapping with \(allowed.joined(separator: ", "))"
            )
        }
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            let known = allowed.isEmpty ? "it takes no keys" : "known: \(allowed.joined(separator: ", "))"
            throw PluginConfigError(key: "\(path).\(unknown)", "unknown key '\(unknown)'; \(known)")
        }
        return object
    }

    private static func url(_ value: JSON?, path: String) throws(PluginConfigError) -> String {
        guard let text = value?.stringValue, !text.isEmpty else { throw PluginConfigError(key: path, "required: an http or https URL") }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else {
            // Not quoted: the URL may carry a token.
            throw PluginConfigError(key: path, "expected an http or https URL with a host")
        }
        return text
    }

    /// Sends one message. Never throws: every failure is sorted into transient or permanent, so the
    /// caller can release its lease either way.
    func deliver(_ message: AlertMessage, context: PluginContext) async -> AlertDelivery {
        switch self {
        case .log:
            context.logger.warning(
                "Alert group message",
                metadata: [
                    "alert.receiver": "\(message.receiver)", "alert.rule": "\(message.rule)", "alert.count": "\(message.alerts.count)",
                    "alert.group": "\(message.labelSummary)", "alert.message_id": "\(message.id)",
                    "alert.texts": "\(message.lines.joined(separator: "\n"))",
                ]
            )
            return .delivered
        case .slack(let url):
            return await post(SlackMessage(message: message).json, to: url, signer: nil, message: message, context: context)
        case .webhook(let url, let signer):
            return await post(message.webhookJSON, to: url, signer: signer, message: message, context: context)
        }
    }

    private func post(
        _ json: JSON,
        to url: String,
        signer: StandardWebhooksSigner?,
        message: AlertMessage,
        context: PluginContext
    ) async
        -> AlertDelivery
    {
        let body = Data(json.compactJSON.utf8)
        var headers = ["Content-Type": "application/json"]
        if let signer { headers.merge(signer.headers(id: message.id, timestamp: context.now(), body: body)) { _, signed in signed } }
        let name = "\(kind) receiver '\(message.receiver)'"
        let response: OutboundResponse
        do {
            response = try await context.http.send(OutboundRequest(method: "POST", url: url, headers: headers, body: body, timeout: Self.timeout))
        } catch let error as ActionError where error.isPermanent {
            // Refused before sending (a dry run, a URL that is not http): no later attempt goes out either.
            return .permanent("\(name) not sent: \(Self.redacting(url, in: error.message))")
        } catch {
            return .transient(retryAfter: nil, reason: "\(name) unreachable: \(Self.redacting(url, in: "\(error)"))")
        }
        switch response.status {
        case 200..<300:
            return .delivered
        case 408, 429, 500..<600:
            // Bounded: the whole group is held back until then (AlertGroupBook.release).
            let retryAfter = RetryAfter.date(from: response.headers, now: context.now(), limit: context.maxRetryDelay)
            return .transient(retryAfter: retryAfter, reason: "\(name) answered \(response.status)\(Self.excerpt(response.body, url: url))")
        default:
            return .permanent("\(name) answered \(response.status)\(Self.excerpt(response.body, url: url))")
        }
    }

    /// `: <first 200 characters of the body>`, or nothing for an empty body.
    /// Redacted before it is cut: a token that straddled the cut would leave a piece no redaction knows.
    private static func excerpt(_ body: Data, url: String) -> String {
        // The whole answer kept (the outbound client keeps 64 KiB at most): redaction may shrink what comes
        // before a token, so redacting a prefix could pull a piece of one into the excerpt.
        let text = redacting(url, in: String(decoding: body, as: UTF8.self)).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return "" }
        return ": " + String(text.prefix(200))
    }

    /// The URL, and each part of it that could carry a token (a Slack URL's path is its secret).
    private static func redacting(_ url: String, in text: String) -> String {
        URLRedaction(url: url).redact(text, whole: "<receiver url>")
    }
}
