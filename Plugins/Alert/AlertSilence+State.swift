public import BotKit
public import Foundation

/// The CLI's side of silences: add, list and expire them in the plugin's state.
///
/// Every change goes through ``PluginState/update(_:_:)``, so a CLI writing while the bot reads (or two
/// operators at once) never loses a silence.
extension AlertSilence {
    /// How long an expired silence stays listed before the next change prunes it.
    public static let expiredRetention: Duration = .seconds(7 * 86_400)

    /// The silences in state, newest first; entries that do not decode are left out (and kept).
    public static func list(in state: any PluginState) async throws -> [AlertSilence] {
        decode(try await state.get(stateKey)).sorted { ($0.createdAt ?? $0.until) > ($1.createdAt ?? $1.until) }
    }

    /// The silences in state that are in force at `now`.
    public static func active(in state: any PluginState, at now: Date) async throws -> [AlertSilence] {
        try await list(in: state).filter { $0.isActive(at: now) }
    }

    /// Adds `silence` (replacing one with the same id), stamping `created_at` when it has none, and prunes
    /// silences expired for longer than ``expiredRetention``.
    /// - Returns: the silence as stored.
    @discardableResult
    public static func add(_ silence: AlertSilence, to state: any PluginState, now: Date) async throws -> AlertSilence {
        var stored = silence
        if stored.createdAt == nil { stored.createdAt = now }
        let entry = stored
        try await state.update(stateKey) { current in
            var entries = prune(current, now: now).filter { $0["id"]?.stringValue != entry.id }
            entries.append(entry.json)
            return .array(entries)
        }
        return stored
    }

    /// Ends the silence with `id` now (it stays listed as expired for a while).
    /// - Returns: false when no silence has that id.
    @discardableResult
    public static func expire(id: String, in state: any PluginState, now: Date) async throws -> Bool {
        let found = UpdateResult(false)
        try await state.update(stateKey) { current in
            var entries = prune(current, now: now)
            for index in entries.indices where entries[index]["id"]?.stringValue == id {
                guard var silence = try? AlertSilence(json: entries[index]) else { continue }
                silence.until = min(silence.until, now)
                entries[index] = silence.json
                found.value = true
            }
            return .array(entries)
        }
        return found.value
    }

    static func decode(_ value: JSON?) -> [AlertSilence] {
        (value?.arrayValue ?? []).compactMap { try? AlertSilence(json: $0) }
    }

    /// The raw entries minus those expired longer than the retention; undecodable ones are kept for a
    /// person to look at, not silently thrown away.
    private static func prune(_ value: JSON?, now: Date) -> [JSON] {
        let cutoff = now.addingTimeInterval(-Double(AlertTime.milliseconds(expiredRetention)) / 1_000)
        return (value?.arrayValue ?? []).filter { entry in
            guard let silence = try? AlertSilence(json: entry) else { return true }
            return silence.until > cutoff
        }
    }
}
