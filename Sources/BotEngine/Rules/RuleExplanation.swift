/// What one rule made of one event, for `simulate`: matched (with the actions it would run) or why not.
///
/// ```swift
/// for explanation in rules.explain(event) { console.write("\(explanation)") }
/// // yolo-after-coco: where: export.format is "yolo", expected "coco"
/// ```
public struct RuleExplanation: Hashable, Sendable, CustomStringConvertible {
    public enum Verdict: Hashable, Sendable {
        case matched
        /// `enabled: false`.
        case disabled
        /// The event's type is not among the rule's `on` (as written).
        case typeNotMatched(type: String, on: [String])
        /// The first `where` condition that failed, with the value found. An operand that came from a
        /// `${…}` reference reads as the reference (`expected ${FMT}`), and a value found that equals
        /// one as `the value of ${FMT}`: never as the referenced value, however short.
        case conditionFailed(String)
        /// The rule matched, but its throttle window for this key is full.
        case throttled(key: String, limit: RuleThrottle.Limit)
    }

    /// The rule's name.
    public var rule: String
    public var verdict: Verdict
    /// The actions it would run when matched (also when throttled, to show what is held back).
    public var actions: [PlannedAction]

    public init(rule: String, verdict: Verdict, actions: [PlannedAction] = []) {
        self.rule = rule
        self.verdict = verdict
        self.actions = actions
    }

    public var matched: Bool { verdict == .matched }

    /// `matched`, or why not: `disabled`, `type export.failed is not in on: export.completed`,
    /// `where: export.format is "yolo", expected "coco"`, `throttled: 3 per 5m already used for key 'p-1'`.
    public var reason: String {
        switch verdict {
        case .matched: "matched"
        case .disabled: "disabled"
        case .typeNotMatched(let type, let on): "type \(type) is not in on: \(on.joined(separator: ", "))"
        case .conditionFailed(let failure): "where: \(failure)"
        case .throttled(let key, let limit): "throttled: \(limit) already used" + (key.isEmpty ? "" : " for key '\(key)'")
        }
    }

    /// `rule-name: reason`.
    public var description: String { "\(rule): \(reason)" }
}
