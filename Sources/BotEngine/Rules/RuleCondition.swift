import BotKit

/// A compiled `where` clause: operators on paths, combined with `all`, `any` and `not`.
///
/// A `where` mapping with several keys holds when all of them hold, so the compiler turns it into
/// `.all`. ``holds(_:)`` is the fast path the dispatcher runs; ``failure(_:)`` re-evaluates to say why,
/// for `simulate`.
indirect enum RuleCondition: Sendable, CustomStringConvertible {
    /// Every operator must hold for the value at the path.
    case path(ScopePath, [MatchOperator])
    case all([RuleCondition])
    case any([RuleCondition])
    case not(RuleCondition)

    func holds(_ event: Event) -> Bool {
        switch self {
        case .path(let path, let operators):
            let value = path.resolve(in: event)
            for op in operators where !op.holds(value) { return false }
            return true
        case .all(let conditions):
            for condition in conditions where !condition.holds(event) { return false }
            return true
        case .any(let conditions):
            for condition in conditions where condition.holds(event) { return true }
            return false
        case .not(let condition):
            return !condition.holds(event)
        }
    }

    /// Why the condition does not hold, naming the value found; nil when it holds.
    func failure(_ event: Event) -> String? {
        switch self {
        case .path(let path, let operators):
            let value = path.resolve(in: event)
            return operators.first { !$0.holds(value) }.map { $0.failure(path: path.text, actual: value) }
        case .all(let conditions):
            return conditions.lazy.compactMap { $0.failure(event) }.first
        case .any(let conditions):
            let failures = conditions.compactMap { $0.failure(event) }
            guard failures.count == conditions.count else { return nil }
            return "none of any held: \(failures.joined(separator: "; "))"
        case .not(let condition):
            guard condition.holds(event) else { return nil }
            return "not: \(condition) held"
        }
    }

    /// The condition as an explanation reads it: `export.format eq "coco"`, `any(a, b)`.
    var description: String {
        switch self {
        case .path(let path, let operators): "\(path) \(operators.map(\.description).joined(separator: ", "))"
        case .all(let conditions) where conditions.count == 1: conditions[0].description
        case .all(let conditions): "all(\(conditions.map(\.description).joined(separator: "; ")))"
        case .any(let conditions): "any(\(conditions.map(\.description).joined(separator: "; ")))"
        case .not(let condition): "not(\(condition))"
        }
    }
}
