import Synchronization

/// Carries what a ``PluginState/update(_:_:)`` transform decided out of its `@Sendable` closure.
///
/// The transform may run more than once when a store retries its transaction; each run overwrites the
/// value, so the caller reads the decision of the run that was committed.
final class UpdateResult<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ initial: Value) {
        storage = Mutex(initial)
    }

    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
