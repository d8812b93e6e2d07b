public import BotKit
import Foundation
import Logging

/// `alert`: tells a Slack channel, an HTTP endpoint or the log that something happened, grouped and
/// de-duplicated the way Alertmanager does it, and held back by silences.
///
/// ```yaml
/// plugins:
///   alert: { receivers: { ops-slack: { slack: { url: "${SLACK_WEBHOOK_URL}" } } },
///            group_wait: 30s, group_interval: 5m, repeat_interval: 4h }
/// rules:
///   - name: page-on-failed-export
///     on: export.failed
///     do:
///       - alert: { receiver: ops-slack, text: "Export {{export.uid}} failed: {{export.error}}", group_by: [event.type] }
/// ```
///
/// Grouping without tasks: an action adds its alert to its group (rule, receiver and the `group_by`
/// values) in the plugin state and returns ``ActionOutcome/deferred(until:reason:)`` until the group is
/// due (`group_wait` for a new group, `group_interval` after its last message). The first action to wake
/// at the due time takes a short lease on the group, sends one message listing every waiting alert and
/// marks them delivered; the others wake to find theirs delivered. Waiting alerts that a silence begun
/// since they joined now matches are taken out of the group instead: each alert keeps its event's scope
/// for that check, and their own actions wake to report the silence. A failed send leaves the alerts
/// waiting, so no alert is dropped without a retry or a dead letter to show for it; after a failure for
/// now the sender keeps the lease until it runs out or the sender's action runs again. An action the
/// dispatcher gives up on without asking the plugin (see ``abandoned(action:reason:context:)``) takes its
/// alert out of its group: an alert goes out only while its own action may still run.
public struct AlertPlugin: BotPlugin {
    public static let name = "alert"
    public static let actions = [
        ActionSpec(
            "send",
            main: true,
            parameters: [
                ParameterSpec("receiver", .string, required: true, summary: "A receiver named under plugins.alert.receivers."),
                ParameterSpec("text", .string, required: true, summary: "The alert; a template."),
                ParameterSpec("title", .string, summary: "A short headline; a template."),
                ParameterSpec(
                    "group_by",
                    .list,
                    eventPaths: true,
                    summary: "Event paths whose values split alerts into groups (event.type, project.uid)."
                ),
                ParameterSpec("group_wait", .duration, summary: "Overrides plugins.alert.group_wait for this action."),
                ParameterSpec("group_interval", .duration, summary: "Overrides plugins.alert.group_interval for this action."),
                ParameterSpec("repeat_interval", .duration, summary: "Overrides plugins.alert.repeat_interval for this action."),
            ],
            summary: "Send an alert to a receiver, grouped with others of its group."
        )
    ]
    public static let configKeys: [ParameterSpec] = [
        ParameterSpec("receivers", .object, summary: "name → {slack: {url}} | {webhook: {url, secret?}} | {log: {}}"),
        ParameterSpec("group_wait", .duration, summary: "How long a new group waits for more alerts; default 30s."),
        ParameterSpec("group_interval", .duration, summary: "How long a group waits after a message before the next; default 5m."),
        ParameterSpec("repeat_interval", .duration, summary: "How long the same alert is not sent again to a group; default 4h."),
        ParameterSpec("silences", .list, summary: "{matchers: {path: value or glob}, until: ISO-8601, comment}"),
    ]
    public static let avalaScopes: Set<AvalaScope> = []
    public static let usesOutboundHTTP = true

    /// How long a sender holds its group: longer than one request may take, short enough that a crash
    /// mid-send delays the group's other actions by no more than this.
    static let lease: Duration = AlertReceiver.timeout + .seconds(20)

    let configuration: AlertConfiguration

    /// - Throws: ``PluginConfigError`` with the key path below `plugins.alert`.
    public init(config: PluginConfig) throws {
        configuration = try AlertConfiguration(config)
    }

    /// A receiver named without a template must be configured: a typo would otherwise dead-letter every alert.
    /// Timings written out are checked as the section's are.
    public func literalParameterProblems(action: String, parameters: [String: JSON]) -> [ParameterProblem] {
        var problems: [ParameterProblem] = []
        if let name = parameters["receiver"]?.stringValue, !name.isEmpty, configuration.receivers[name] == nil {
            problems.append(ParameterProblem("receiver", Self.unknownReceiver(name, known: configuration.receivers.keys.sorted())))
        }
        do {
            _ = try configuration.timings.overridden(by: parameters)
        } catch {
            problems.append(ParameterProblem(error.key, error.message))
        }
        return problems
    }

    /// A templated receiver is checked at load against these (its literal start and end).
    public func configuredNames(action: String, parameter: String) -> [String]? {
        parameter == "receiver" ? configuration.receivers.keys.sorted() : nil
    }

    /// Said the same at load and when an action runs.
    static func unknownReceiver(_ name: String, known: [String]) -> String {
        let hint = known.isEmpty ? "no receivers are configured under plugins.alert.receivers" : "configured: \(known.joined(separator: ", "))"
        return "unknown receiver '\(name)'; \(hint)"
    }

    public func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        guard let receiverName = request.string("receiver") else { return .failed("receiver rendered empty") }
        guard let receiver = configuration.receivers[receiverName] else {
            return .failed(Self.unknownReceiver(receiverName, known: configuration.receivers.keys.sorted()))
        }
        guard let text = request.string("text") else { return .failed("text rendered empty") }
        let timings: AlertTimings
        do {
            timings = try configuration.timings.overridden(by: request.parameters)
        } catch {
            return .failed("\(error.key): \(error.message)")
        }
        guard let groupBy = Self.paths(request.parameters["group_by"]) else { return .failed("group_by: expected a list of event paths") }

        let scope = request.event.scope
        let labels = Dictionary(groupBy.map { ($0, scope[path: $0]?.text ?? "") }, uniquingKeysWith: { first, _ in first })
        let key = JSON.array([.string(request.rule), .string(receiverName), .object(labels.mapValues(JSON.string))]).compactJSON
        let now = context.now()
        let nowMilliseconds = AlertTime.milliseconds(now)

        // An alert another action's message already carried was sent: a silence begun since then must
        // not make the journal say otherwise.
        let id = context.idempotencyKey
        let groups = AlertGroupState(state: context.state)
        let stored = try await groups.book(migrating: !context.dryRun)
        if let delivered = stored.groups[key]?.delivered.last(where: { $0.id == id }) {
            if !context.dryRun { try await groups.remove(id) }
            return .done("delivered in a group message to \(receiverName) at \(AlertTime.text(AlertTime.date(delivered.at)))")
        }
        let silences = try await activeSilences(state: context.state, now: now)
        if let silence = silences.first(where: { $0.matches(scope) }) {
            // An alert that joined its group before the silence began must not go out with the group.
            if !context.dryRun {
                try await groups.change((), creating: false) { book in book.withdraw(id, key: key, now: nowMilliseconds) }
                try await groups.remove(id)
            }
            return .skipped(silence.reason)
        }
        if context.dryRun { return .done("would alert \(receiverName): \(text)") }

        let alert = GroupedAlert(
            id: id,
            text: text,
            title: request.string("title"),
            rule: request.rule,
            eventID: request.event.id,
            event: receiver.sendsEvents ? request.event.fileForm : nil,
            scope: scope,
            at: nowMilliseconds
        )
        let template = AlertGroup(
            rule: request.rule,
            receiver: receiverName,
            labels: labels,
            // Used only if the group is new: an existing group keeps its own.
            instance: AlertGroup.newInstance(),
            groupInterval: AlertTime.milliseconds(timings.groupInterval),
            repeatInterval: AlertTime.milliseconds(timings.repeatInterval),
            touchedAt: nowMilliseconds
        )
        // Kept before the book lists it, so that a sender finds it. An alert already waiting keeps what it
        // was saved with, as it did when the book held it.
        let waiting = stored.groups[key]?.pending.contains { $0.id == id } ?? false
        if !waiting { try await groups.save(alert) }
        let lease = AlertTime.milliseconds(Self.lease)
        let registration = try await groups.change(AlertGroupBook.Registration?.none) { book in
            book.register(WaitingAlert(alert), key: key, template: template, timings: timings, now: nowMilliseconds, leaseFor: lease)
        }
        guard let registration else { return .retry(after: nil, reason: "the alert group state was not updated") }
        switch registration {
        case .delivered, .repeated, .alreadyWaiting, .full: try await groups.remove(id)
        case .waiting, .leased, .flush: break
        }

        switch registration {
        case .delivered(let at):
            return .done("delivered in a group message to \(receiverName) at \(AlertTime.text(AlertTime.date(at)))")
        case .repeated(let at):
            return .skipped(
                "the same alert went to \(receiverName) at \(AlertTime.text(AlertTime.date(at))); "
                    + "not repeated within repeat_interval \(ConfigDuration.format(timings.repeatInterval))"
            )
        case .alreadyWaiting:
            return .skipped("the same alert is already waiting for the group's next message to \(receiverName)")
        case .full(let until):
            return .retry(
                after: AlertTime.date(until),
                reason: "the group already holds \(AlertGroupBook.maxPending) alerts waiting for \(receiverName)"
            )
        case .waiting(let until, let count):
            return .deferred(
                until: AlertTime.date(until),
                reason: "waiting for the group's message to \(receiverName) at \(AlertTime.text(AlertTime.date(until))) "
                    + "(\(count) \(count == 1 ? "alert" : "alerts") in the group)"
            )
        case .leased(let until):
            // Look again soon rather than at the lease's end: the sender usually finishes within a
            // second, and this alert is then already delivered.
            let soon = min(AlertTime.date(until), context.now().addingTimeInterval(1))
            return .deferred(until: soon, reason: "another action is sending the group's message to \(receiverName)")
        case .flush(let waiting, let sequence, let instance):
            // The sender's own alert passed the silence check just before; the others joined earlier,
            // maybe before a silence that now holds them back.
            let loaded = try await groups.alerts(waiting, known: [alert])
            var alerts: [GroupedAlert] = []
            var silenced = 0
            var leftOut = Set<String>()
            for (entry, found) in zip(waiting, loaded) {
                guard let found else {
                    leftOut.insert(entry.id)
                    continue
                }
                if found.id != id && found.isSilenced(by: silences) {
                    silenced += 1
                    leftOut.insert(found.id)
                } else {
                    alerts.append(found)
                }
            }
            let ids = leftOut
            if !ids.isEmpty { try await groups.change((), creating: false) { book in book.leaveOut(ids, key: key, now: nowMilliseconds) } }
            let message = AlertMessage(
                receiver: receiverName,
                rule: request.rule,
                labels: labels,
                alerts: alerts,
                groupKey: key,
                instance: instance,
                sequence: sequence
            )
            return try await flush(message, via: receiver, key: key, silenced: silenced, context: context)
        }
    }

    /// The dispatcher will not run this action (for now): it was dead-lettered without sending (its rule
    /// is gone or no longer matches, its attempts ran out), a reload gave its place in the rule to another
    /// action, or it waits until its rule produces it again. Its alert leaves its group, so that the
    /// group's next message, flushed by another action, does not carry an alert for an action the journal
    /// shows as not done, nor for a rule the user removed. Should the action run again,
    /// ``perform(_:context:)`` adds it back.
    public func abandoned(action: String, reason: String, context: PluginContext) async throws {
        if context.dryRun { return }
        let id = context.idempotencyKey
        let now = AlertTime.milliseconds(context.now())
        let groups = AlertGroupState(state: context.state)
        let withdrawn = try await groups.change(false, creating: false) { book in book.abandon(id, now: now) }
        try await groups.remove(id)
        if withdrawn {
            context.logger.info("Alert taken out of its group: its action will not run", metadata: ["reason": "\(reason)"])
        }
    }

    /// Sends the group's message under the lease this action holds, then records how it went.
    /// `silenced` alerts were left out of the message for a silence; the outcome says so.
    private func flush(
        _ message: AlertMessage,
        via receiver: AlertReceiver,
        key: String,
        silenced: Int,
        context: PluginContext
    ) async throws -> ActionOutcome {
        let delivery = await receiver.deliver(message, context: context)
        let holder = context.idempotencyKey
        let now = AlertTime.milliseconds(context.now())
        let alerts = message.alerts
        let groups = AlertGroupState(state: context.state)
        switch delivery {
        case .delivered:
            try await groups.change(()) { book in book.markDelivered(alerts, key: key, holder: holder, now: now) }
            // The other alerts' keys go when their own actions wake and find them delivered.
            try await groups.remove(holder)
            let leftOut = silenced == 0 ? "" : "; \(silenced) silenced \(silenced == 1 ? "alert" : "alerts") left out"
            return .done("sent \(alerts.count) \(alerts.count == 1 ? "alert" : "alerts") to \(message.receiver) in one message\(leftOut)")
        case .transient(let retryAfter, let reason):
            let notBefore = retryAfter.map(AlertTime.milliseconds)
            try await groups.change(()) { book in
                book.release(key: key, holder: holder, notBefore: notBefore, keepingLease: true, now: now)
            }
            // Said of this message, not of the group's future: when this was the last attempt, the reason
            // becomes the dead letter's, and the action's own alert then leaves the group.
            return .retry(after: retryAfter, reason: "\(reason); the message held \(alerts.count) \(alerts.count == 1 ? "alert" : "alerts")")
        case .permanent(let reason):
            // This action is dead-lettered with the reason; its own alert leaves the group (a dead-letter
            // retry adds it back), and the group's other actions still try with theirs.
            try await groups.change(()) { book in
                book.release(key: key, holder: holder, notBefore: nil, withdrawing: holder, now: now)
            }
            try await groups.remove(holder)
            return .failed(reason)
        }
    }

    /// The silences, from the config and from state, in force now.
    private func activeSilences(state: any PluginState, now: Date) async throws -> [AlertSilence] {
        let stored = AlertSilence.decode(try await state.get(AlertSilence.stateKey))
        return (configuration.silences + stored).filter { $0.isActive(at: now) }
    }

    /// `group_by` as paths: a list (or one path written alone); nil when it is something else.
    private static func paths(_ value: JSON?) -> [String]? {
        switch value {
        case nil, .null?: []
        case .string(let path)?: path.isEmpty ? [] : [path]
        case .array(let items)?: items.map(\.text).filter { !$0.isEmpty }
        default: nil
        }
    }
}
