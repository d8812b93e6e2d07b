import Synchronization

/// A plugin's own small key-value store (alert groups, roster state), kept durable by the event store.
public protocol PluginState: Sendable {
    func get(_ key: String) async throws -> JSON?
    func set(_ key: String, _ value: JSON) async throws
    func remove(_ key: String) async throws
}

/// State in memory only, for tests and `simulate`.
public final class MemoryPluginState: PluginState {
    private let values = Mutex<[String: JSON]>([:])
    public init() {}
    public func get(_ key: String) async throws -> JSON? { values.withLock { $0[key] } }
    public func set(_ key: String, _ value: JSON) async throws { values.withLock { $0[key] = value } }
    public func remove(_ key: String) async throws { values.withLock { _ = $0.removeValue(forKey: key) } }
}
