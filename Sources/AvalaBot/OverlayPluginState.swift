import BotKit
import Synchronization

/// A plugin's state as the store has it, with what a dry run writes kept in memory: `simulate` then sees
/// what `run` would (silences added with `avala-bot silences`, an alert group already waiting) and
/// changes nothing.
final class OverlayPluginState: PluginState {
    /// The stored state, read only; nil without a store (a bot that has not run).
    private let base: (any PluginState)?
    private let written = Mutex<[String: JSON]>([:])
    private let removed = Mutex<Set<String>>([])

    init(base: (any PluginState)?) {
        self.base = base
    }

    func get(_ key: String) async throws -> JSON? {
        if let value = written.withLock({ $0[key] }) { return value }
        if removed.withLock({ $0.contains(key) }) { return nil }
        return try await base?.get(key)
    }

    func set(_ key: String, _ value: JSON) async throws {
        written.withLock { $0[key] = value }
        removed.withLock { _ = $0.remove(key) }
    }

    func remove(_ key: String) async throws {
        written.withLock { _ = $0.removeValue(forKey: key) }
        removed.withLock { _ = $0.insert(key) }
    }

    /// Not atomic against other writers: a dry run asks its plugins one action at a time.
    @discardableResult
    func update(_ key: String, _ transform: @escaping @Sendable (JSON?) throws -> JSON?) async throws -> JSON? {
        let next = try transform(try await get(key))
        if let next { try await set(key, next) } else { try await remove(key) }
        return next
    }
}
