import BotKit

/// The three Alertmanager-style waits: configured once under `plugins.alert`, overridable per action.
struct AlertTimings: Hashable, Sendable {
    /// How long a new group waits for more alerts before its first message (`group_wait`, default 30s).
    var groupWait: Duration = .seconds(30)
    /// How long a group that has sent waits before the next message (`group_interval`, default 5m).
    var groupInterval: Duration = .seconds(300)
    /// How long the same alert text is not sent again to the same group (`repeat_interval`, default 4h).
    var repeatInterval: Duration = .seconds(4 * 3_600)

    static let keys = ["group_wait", "group_interval", "repeat_interval"]

    /// These timings with the action's `group_wait`, `group_interval` and `repeat_interval` applied.
    /// - Throws: ``PluginConfigError`` naming the parameter, when one is not a duration.
    func overridden(by parameters: [String: JSON]) throws(PluginConfigError) -> AlertTimings {
        var timings = self
        for key in Self.keys {
            guard let value = parameters[key], value != .null, !value.text.isEmpty else { continue }
            let duration: Duration
            do {
                duration = try ConfigDuration.parse(value.text)
            } catch {
                throw PluginConfigError(key: key, error.message)
            }
            switch key {
            case "group_wait": timings.groupWait = duration
            case "group_interval": timings.groupInterval = duration
            default: timings.repeatInterval = duration
            }
        }
        try timings.checkIntervals()
        return timings
    }

    /// `group_wait` may be 0s (send at once), but an interval of 0s would let a group send a message
    /// for every alert, and the same alert again at once: the flood grouping exists to prevent.
    /// - Throws: ``PluginConfigError`` naming the interval.
    func checkIntervals() throws(PluginConfigError) {
        if groupInterval <= .zero { throw PluginConfigError(key: "group_interval", "must be longer than 0s") }
        if repeatInterval <= .zero { throw PluginConfigError(key: "repeat_interval", "must be longer than 0s") }
    }
}
