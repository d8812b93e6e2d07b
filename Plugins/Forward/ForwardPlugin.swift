public import BotKit
import Foundation
import Logging

/// `forward`: POSTs the event, in its file form, to a configured URL — signed with Standard Webhooks
/// when the target has a secret.
///
/// ```yaml
/// plugins:
///   forward:
///     targets:
///       warehouse: { url: "https://hooks.example.com/avala", secret: "${WAREHOUSE_WEBHOOK_SECRET}" }
/// rules:
///   - on: export.completed
///     do:
///       - forward: { target: warehouse }
/// ```
///
/// The `webhook-id` is derived from the action's idempotency key, so every retry of one delivery carries
/// the same id and the receiver can drop repeats. 2xx is done; 429, 5xx and transport errors are retried
/// (at `Retry-After` when given); redirects and other 4xx fail for good, since sending the same request
/// again would get the same answer.
public struct ForwardPlugin: BotPlugin {
    public static let name = "forward"
    public static let actions = [
        ActionSpec(
            "send",
            main: true,
            parameters: [ParameterSpec("target", .string, required: true, summary: "The name of a target under plugins.forward.targets.")],
            summary: "POST the event as JSON to a configured URL."
        )
    ]
    public static let configKeys = [
        ParameterSpec("targets", .object, required: true, summary: "Name → {url, secret}; secret is the whsec_ key the events are signed with."),
        ParameterSpec("timeout", .duration, summary: "Per request; default 10s."),
    ]
    public static let avalaScopes: Set<AvalaScope> = []
    public static let usesOutboundHTTP = true

    static let defaultTimeout: Duration = .seconds(10)
    /// At most this much of a refusing receiver's body goes into the outcome.
    static let bodyExcerpt = 200

    let targets: [String: ForwardTarget]
    let timeout: Duration

    public init(config: PluginConfig) throws {
        guard let section = config["targets"], section != .null else {
            throw PluginConfigError(key: "targets", "required: at least one target (name → {url, secret})")
        }
        guard let entries = section.objectValue, !entries.isEmpty else {
            throw PluginConfigError(key: "targets", "expected a mapping of target names to {url, secret}")
        }
        targets = try entries.reduce(into: [:]) { targets, entry in
            targets[entry.key] = try ForwardTarget(name: entry.key, config: entry.value)
        }
        timeout = try config.duration("timeout") ?? Self.defaultTimeout
        guard timeout > .zero else { throw PluginConfigError(key: "timeout", "must be longer than 0s") }
    }

    /// A target named without a template must be configured: a typo would otherwise dead-letter every event.
    public func literalParameterProblems(action: String, parameters: [String: JSON]) -> [ParameterProblem] {
        guard let name = parameters["target"]?.stringValue, !name.isEmpty, targets[name] == nil else { return [] }
        return [ParameterProblem("target", unknownTarget(name))]
    }

    /// A templated target is checked at load against these (its literal start and end).
    public func configuredNames(action: String, parameter: String) -> [String]? {
        parameter == "target" ? targets.keys.sorted() : nil
    }

    /// Said the same at load and when an action runs.
    func unknownTarget(_ name: String) -> String {
        "unknown target '\(name)'; configured: \(targets.keys.sorted().joined(separator: ", "))"
    }

    public func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        guard let name = request.string("target") else { return .failed("target rendered empty") }
        guard let target = targets[name] else { return .failed(unknownTarget(name)) }
        if context.dryRun { return .done("would forward to \(name)") }
        let body = try request.event.fileData()
        var headers = ["Content-Type": "application/json", "User-Agent": "avala-bot"]
        headers.merge(target.signer.headers(id: Self.webhookID(context.idempotencyKey), timestamp: context.now(), body: body)) { _, signed in signed }
        let response: OutboundResponse
        do {
            response = try await context.http.send(OutboundRequest(method: "POST", url: target.url, headers: headers, body: body, timeout: timeout))
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as ActionError where error.isPermanent {
            // Refused before sending (a dry run, a URL that is not http): no later attempt goes out either.
            let reason = target.redaction.redact(error.message, whole: target.displayURL)
            return .failed("not forwarded to \(name) (\(target.displayURL)): \(reason)")
        } catch {
            // The client's error may quote the URL, query and all.
            let reason = target.redaction.redact("\(error)", whole: target.displayURL)
            return .retry(after: nil, reason: "could not reach \(name) (\(target.displayURL)): \(reason)")
        }
        context.logger.debug("Event forwarded", metadata: ["forward.target": "\(name)", "http.status": "\(response.status)"])
        return Self.outcome(response, target: target, now: context.now(), maxRetryDelay: context.maxRetryDelay)
    }

    static func outcome(_ response: OutboundResponse, target: ForwardTarget, now: Date, maxRetryDelay: Duration) -> ActionOutcome {
        let status = response.status
        switch status {
        case 200..<300:
            return .done("forwarded to \(target.name) (HTTP \(status))")
        // 408: the receiver timed out reading the request, which a later attempt may not.
        case 408, 429, 500..<600:
            return .retry(
                after: RetryAfter.date(from: response.headers, now: now, limit: maxRetryDelay),
                reason: "\(target.name) (\(target.displayURL)) answered HTTP \(status)\(excerpt(response.body, target: target))"
            )
        case 300..<400:
            return .failed("\(target.name) (\(target.displayURL)) answered HTTP \(status); redirects are not followed, configure the final URL")
        default:
            return .failed("\(target.name) (\(target.displayURL)) refused the event: HTTP \(status)\(excerpt(response.body, target: target))")
        }
    }

    /// The same for every retry of one action, so the receiver can deduplicate: `msg_` and the
    /// idempotency key in base64url, which keeps it unique and safe in a header.
    static func webhookID(_ idempotencyKey: String) -> String {
        let encoded = Data(idempotencyKey.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "msg_" + encoded
    }

    /// `: <first bytes of the body>` on one line, or nothing. A receiver's error page may quote the
    /// request's path and query (`Cannot POST /in/<token>`): no part of the target's URL is kept.
    /// Redacted before it is cut: a token that straddled the cut would leave a piece no redaction knows.
    private static func excerpt(_ body: Data, target: ForwardTarget) -> String {
        // The whole answer kept (the outbound client keeps 64 KiB at most): redaction may shrink what comes
        // before a token, so redacting a prefix could pull a piece of one into the excerpt.
        let text = target.redaction.redact(String(decoding: body, as: UTF8.self), whole: target.displayURL)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return "" }
        return ": " + String(text.prefix(bodyExcerpt)) + (text.count > bodyExcerpt ? "…" : "")
    }
}
