import BotKit

/// One compiled rule: everything `plan` and `explain` need, checked and parsed once at load.
///
/// A class, immutable after init, so that looking a rule up while matching is a reference, not a copy of
/// its patterns, condition and actions.
final class Rule: Sendable {
    /// A compiled `throttle`: the limit, and the key template (nil: one window for the whole rule).
    struct Throttle: Sendable {
        var limit: RuleThrottle.Limit
        var key: RuleTemplate?
    }

    let name: String
    let enabled: Bool
    let on: [EventPattern]
    /// `on` as explanations show it: each entry as written, or the `${…}` reference it came from.
    let onShown: [String]
    let condition: RuleCondition?
    let actions: [RuleAction]
    let throttle: Throttle?
    /// Every path the rule's `where`, parameters and throttle key read.
    let paths: [ScopePath]

    init(
        name: String,
        enabled: Bool,
        on: [EventPattern],
        condition: RuleCondition?,
        actions: [RuleAction],
        throttle: Throttle?,
        paths: [ScopePath] = [],
        onShown: [String]? = nil
    ) {
        self.paths = paths
        self.name = name
        self.enabled = enabled
        self.on = on
        self.onShown = onShown ?? on.map(\.description)
        self.condition = condition
        self.actions = actions
        self.throttle = throttle
    }

    /// Whether the rule reads a value at or below one of `paths` (`project` covers `project.name`), or a
    /// whole value holding one (`{{export}}` holds `export.format`).
    func reads(any unavailable: [ScopePath]) -> Bool {
        paths.contains { used in
            unavailable.contains { missing in
                let shared = min(used.components.count, missing.components.count)
                return used.components.prefix(shared) == missing.components.prefix(shared)
            }
        }
    }

    func accepts(_ type: EventType) -> Bool {
        on.contains { $0.matches(type) }
    }

    /// The rule's actions for an event that matched, rendered against the event's scope.
    func plan(scope: JSON) -> [PlannedAction] {
        let throttle = self.throttle.map { throttle in
            var ignored: [String] = []
            return PlannedAction.Throttle(key: throttle.key?.render(scope, missing: &ignored) ?? "", limit: throttle.limit)
        }
        return actions.enumerated().map { index, action in
            action.plan(rule: name, index: index, scope: scope, throttle: throttle)
        }
    }
}
