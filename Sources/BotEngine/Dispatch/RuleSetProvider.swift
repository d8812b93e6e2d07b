import Synchronization

/// The rules in force; replaced whole when the config is reloaded (SIGHUP), never edited in place.
public final class RuleSetProvider: Sendable {
    private let rules: Mutex<RuleSet>

    public init(_ rules: RuleSet) {
        self.rules = Mutex(rules)
    }

    public var current: RuleSet { rules.withLock { $0 } }

    public func replace(with rules: RuleSet) {
        self.rules.withLock { $0 = rules }
    }
}
