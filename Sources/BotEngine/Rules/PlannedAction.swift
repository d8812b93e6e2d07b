public import BotKit
import Foundation

/// One `do:` action of a rule that matched an event, with its parameters rendered: what the dispatcher
/// runs (after the throttle admits the rule) and what `simulate` prints.
///
/// ```swift
/// for action in throttle.admit(rules.plan(for: event), eventID: event.id) {
///     if let failure = action.requiredFailure { /* dead-letter: failure */ }
///     let request = action.request(for: event)
/// }
/// ```
public struct PlannedAction: Hashable, Sendable {
    /// The rule's name.
    public var rule: String
    /// The action's index in the rule's `do:` list: with the rule's name and the event id, what makes
    /// the idempotency key stable across retries.
    public var actionIndex: Int
    /// The plugin's name (`invite`).
    public var plugin: String
    /// The action's name (`send`, `resend`).
    public var action: String
    /// Parameters with templates rendered; literal values keep their YAML type.
    public var parameters: [String: JSON]
    /// Every template path that rendered empty, in the order met, each once.
    public var missingPaths: [String]
    /// The same paths by the parameter they were in (nested values count for their top-level
    /// parameter).
    public var missingPathsByParameter: [String: [String]]
    /// The plugin's declared parameters of this action.
    public var specs: [ParameterSpec]
    /// The rule's rendered throttle key and limit; nil when the rule has no throttle.
    public var throttle: Throttle?
    /// The parameters that hold the value of a `${…}` reference, as `simulate` shows them: rendered, with
    /// each such value shown as its reference as written (`${SLACK_TOKEN}`). The others are shown as in
    /// ``parameters``.
    public var shownParameters: [String: JSON]
    /// See ``ActionRequest/optionsFromEvent``.
    public var optionsFromEvent: [String: [Int]]

    /// Which throttle window a match counts against.
    public struct Throttle: Hashable, Sendable {
        /// The rendered `throttle.key` (empty when the rule has no key: one window for the rule).
        public var key: String
        public var limit: RuleThrottle.Limit

        public init(key: String, limit: RuleThrottle.Limit) {
            self.key = key
            self.limit = limit
        }
    }

    public init(
        rule: String,
        actionIndex: Int,
        plugin: String,
        action: String,
        parameters: [String: JSON],
        missingPaths: [String] = [],
        missingPathsByParameter: [String: [String]] = [:],
        specs: [ParameterSpec] = [],
        throttle: Throttle? = nil,
        shownParameters: [String: JSON] = [:],
        optionsFromEvent: [String: [Int]] = [:]
    ) {
        self.rule = rule
        self.actionIndex = actionIndex
        self.plugin = plugin
        self.action = action
        self.parameters = parameters
        self.missingPaths = missingPaths
        self.missingPathsByParameter = missingPathsByParameter
        self.specs = specs
        self.throttle = throttle
        self.shownParameters = shownParameters
        self.optionsFromEvent = optionsFromEvent
    }

    /// The first required parameter that is absent, null or rendered empty, with the template paths that
    /// were missing in it; nil when every required parameter has a value.
    public var emptyRequiredParameter: (name: String, paths: [String])? {
        for spec in specs where spec.required {
            let value = parameters[spec.name]
            switch value {
            case nil, .null?: break
            // Blank counts as empty: a template that rendered only the spaces around a missing path.
            case .string(let text)? where text.allSatisfy(\.isWhitespace): break
            default: continue
            }
            return (spec.name, missingPathsByParameter[spec.name] ?? [])
        }
        return nil
    }

    /// Why the action must fail permanently before it runs, naming the paths that were missing:
    /// `required parameter 'email' rendered empty (missing: member.email)`. Nil when it can run.
    public var requiredFailure: String? {
        guard let empty = emptyRequiredParameter else { return nil }
        let cause = empty.paths.isEmpty ? "" : " (missing: \(empty.paths.joined(separator: ", ")))"
        return "required parameter '\(empty.name)' rendered empty\(cause)"
    }

    /// The request handed to the plugin.
    public func request(for event: Event) -> ActionRequest {
        ActionRequest(
            action: action,
            parameters: parameters,
            event: event,
            rule: rule,
            missingPaths: missingPaths,
            optionsFromEvent: optionsFromEvent
        )
    }
}

extension PlannedAction {
    /// The journal entry recorded before this action runs (or is skipped) for one event.
    /// - Parameter admitted: the throttle admitted the rule (false for a step journaled as throttled).
    func intent(stepID: String, eventID: String, at: Date, admitted: Bool = true) -> StepIntent {
        StepIntent(
            stepID: stepID,
            eventID: eventID,
            rule: rule,
            actionIndex: actionIndex,
            plugin: plugin,
            action: action,
            at: at,
            throttleKey: admitted ? throttle?.key : nil
        )
    }
}
