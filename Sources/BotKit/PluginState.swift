import Synchronization

/// A plugin's own small key-value store (alert groups, roster state), kept durable by the event store.
public protocol PluginState: Sendable {
    func get(_ key: String) async throws -> JSON?
    func set(_ key: String, _ value: JSON) async throws
    func remove(_ key: String) async throws
    /// Reads, transforms and writes one key atomically (no other update of the key runs in between,
    /// even from concurrent actions); `transform` returning nil removes the key. Returns the new value.
    @discardableResult
    func update(_ key: String, _ transform: @escaping @Sendable (JSON?) throws -> JSON?) async throws -> JSON?
}

/// State in memory only, for tests and `simulate`.
public final class MemoryPluginState: PluginState {
    private let values = Mutex<[String: JSON]>([:])
    public init() {}
    public func get(_ key: String) async throws -> JSON? { values.withLock { $0[key] } }
    public func set(_ key: String, _ value: JSON) async throws { values.withLock { $0[key] = value } }
    public func remove(_ key: String) async throws { values.withLock { _ = $0.removeValue(forKey: key) } }
    @discardableResult
    public func update(_ key: String, _ transform: @escaping @Sendable (JSON?) throws -> JSON?) async throws -> JSON? {
        try values.withLock { values in
            let next = try transform(values[key])
            values[key] = next
            return next
        }
    }
}
