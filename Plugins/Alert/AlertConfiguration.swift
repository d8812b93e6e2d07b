import BotKit

/// `plugins.alert`, read and checked once at load.
///
/// Keys:
/// - `receivers` (mapping, default none): name → exactly one of `{slack: {url}}`, `{webhook: {url, secret?}}`
///   (`secret` a Standard Webhooks `whsec_…` key: set, every POST is signed) or `{log: {}}`.
/// - `group_wait` (duration, `30s`), `group_interval` (`5m`), `repeat_interval` (`4h`): see ``AlertTimings``;
///   each may be overridden by an action's parameter of the same name.
/// - `silences` (list, default none): `{matchers: {event path: value or glob}, until: ISO-8601, comment}`.
struct AlertConfiguration: Sendable {
    static let keys = ["receivers", "group_wait", "group_interval", "repeat_interval", "silences"]

    var receivers: [String: AlertReceiver] = [:]
    var timings = AlertTimings()
    var silences: [AlertSilence] = []

    /// - Throws: ``PluginConfigError`` with the key path below `plugins.alert`
    ///   (`receivers.ops-slack.slack.url`, `silences[0].until`).
    init(_ config: PluginConfig) throws(PluginConfigError) {
        if let unknown = config.values.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw PluginConfigError(key: unknown, "unknown key '\(unknown)'; known: \(Self.keys.joined(separator: ", "))")
        }
        if let value = config["receivers"], value != .null {
            guard let object = value.objectValue else { throw PluginConfigError(key: "receivers", "expected a mapping of receiver names") }
            for (name, receiver) in object {
                guard !name.isEmpty else { throw PluginConfigError(key: "receivers", "a receiver's name is empty") }
                receivers[name] = try AlertReceiver.parse(receiver, path: "receivers.\(name)")
            }
        }
        do {
            timings.groupWait = try config.duration("group_wait") ?? timings.groupWait
            timings.groupInterval = try config.duration("group_interval") ?? timings.groupInterval
            timings.repeatInterval = try config.duration("repeat_interval") ?? timings.repeatInterval
            try timings.checkIntervals()
        } catch let error as PluginConfigError {
            throw error
        } catch {
            throw PluginConfigError(key: "group_wait", "\(error)")
        }
        if let value = config["silences"], value != .null {
            guard let list = value.arrayValue else { throw PluginConfigError(key: "silences", "expected a list of {matchers, until, comment}") }
            for (index, entry) in list.enumerated() {
                do {
                    silences.append(try AlertSilence(json: entry, defaultID: "config-\(index)"))
                } catch {
                    throw PluginConfigError(key: error.key.isEmpty ? "silences[\(index)]" : "silences[\(index)].\(error.key)", error.message)
                }
            }
        }
    }
}
