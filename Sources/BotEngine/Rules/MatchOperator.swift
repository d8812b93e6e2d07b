import BotKit

/// One operator of a `where` path (`eq`, `in`, `glob`, …), compiled once at load.
///
/// What each does with a path that is missing (or null, which counts as missing), and with values of
/// another type, is part of the rule language; ``RuleSet`` documents it.
enum MatchOperator: Sendable, CustomStringConvertible {
    case eq(MatchLiteral)
    case ne(MatchLiteral)
    case oneOf([MatchLiteral])
    case glob(Glob)
    case regex(RuleRegex)
    case exists(Bool)
    case compare(Comparison, ComparisonBound)

    enum Comparison: String, Sendable {
        case gt, gte, lt, lte

        var symbol: String {
            switch self {
            case .gt: ">"
            case .gte: ">="
            case .lt: "<"
            case .lte: "<="
            }
        }

        func holds(_ order: Int) -> Bool {
            switch self {
            case .gt: order > 0
            case .gte: order >= 0
            case .lt: order < 0
            case .lte: order <= 0
            }
        }
    }

    /// What a comparison compares against: a number, or an instant read from an ISO-8601 timestamp.
    enum ComparisonBound: Sendable, CustomStringConvertible {
        case number(Double)
        case time(seconds: Double, text: String)

        var description: String {
            switch self {
            case .number(let value): JSON.number(value).text
            case .time(_, let text): JSON.string(text).compactJSON
            }
        }

        /// The sign of `actual - bound`, or nil when they cannot be compared (so every comparison is false).
        func order(of actual: JSON) -> Int? {
            let value: Double
            let bound: Double
            switch (self, actual) {
            case (.number(let number), .number(let actualNumber)):
                (value, bound) = (actualNumber, number)
            case (.number(let number), .string(let text)):
                guard let actualNumber = MatchLiteral.number(from: text) else { return nil }
                (value, bound) = (actualNumber, number)
            case (.time(let seconds, _), .string(let text)):
                guard let actualSeconds = ISOTimestamp.seconds(text) else { return nil }
                (value, bound) = (actualSeconds, seconds)
            default: return nil
            }
            return value < bound ? -1 : value > bound ? 1 : 0
        }
    }

    /// Every operator name, in the order error messages list them.
    static let names = ["eq", "ne", "in", "glob", "regex", "exists", "gt", "gte", "lt", "lte"]

    /// Compiles `name: value`; the error is a message to put after the path.
    static func compile(_ name: String, _ node: ConfigNode) -> Result<MatchOperator, ConfigProblem> {
        switch name {
        case "eq": return .success(.eq(MatchLiteral(node.json)))
        case "ne": return .success(.ne(MatchLiteral(node.json)))
        case "in":
            guard let items = node.items else { return .failure(ConfigProblem("in: expected a list of values")) }
            return .success(.oneOf(items.map { MatchLiteral($0.json) }))
        case "glob":
            guard let text = node.text else { return .failure(ConfigProblem("glob: expected a pattern (a string)")) }
            do {
                return .success(.glob(try Glob(text)))
            } catch {
                return .failure(ConfigProblem("glob: \(error)"))
            }
        case "regex":
            guard let text = node.text else { return .failure(ConfigProblem("regex: expected a pattern (a string)")) }
            return RuleRegex.compile(text).map(MatchOperator.regex)
        case "exists":
            guard case .bool(let flag) = node.typedJSON else { return .failure(ConfigProblem("exists: expected true or false")) }
            return .success(.exists(flag))
        default:
            guard let comparison = Comparison(rawValue: name) else {
                return .failure(ConfigProblem("unknown operator '\(name)' (expected one of: \(names.joined(separator: ", ")))"))
            }
            // A reference's value is read as if written plainly (`gt: ${MIN}` holding `2` is the number 2).
            let literal = MatchLiteral(node.typedJSON)
            if let number = literal.number { return .success(.compare(comparison, .number(number))) }
            if case .string(let text) = node.typedJSON, let seconds = ISOTimestamp.seconds(text) {
                return .success(.compare(comparison, .time(seconds: seconds, text: text)))
            }
            return .failure(ConfigProblem("\(name): expected a number or an ISO-8601 timestamp, found \(literal)"))
        }
    }

    /// Whether the value at the path passes. `actual` is nil when the path is missing; null counts as
    /// missing for every operator except `eq: null` / `ne: null`.
    func holds(_ actual: JSON?) -> Bool {
        switch self {
        case .eq(let literal):
            guard let actual else { return false }
            return literal.equals(actual)
        case .ne(let literal):
            guard let actual else { return true }
            return !literal.equals(actual)
        case .oneOf(let literals):
            guard let actual else { return false }
            return literals.contains { $0.equals(actual) }
        case .glob(let glob):
            guard let text = Self.scalarText(actual) else { return false }
            return glob.matches(text)
        case .regex(let regex):
            guard let text = Self.scalarText(actual) else { return false }
            return regex.matches(text)
        case .exists(let expected):
            let present = actual != nil && actual != .null
            return present == expected
        case .compare(let comparison, let bound):
            guard let actual, let order = bound.order(of: actual) else { return false }
            return comparison.holds(order)
        }
    }

    /// Why the value at `path` fails this operator, for `simulate`:
    /// `export.format is "yolo", expected "coco"`.
    func failure(path: String, actual: JSON?) -> String {
        let found = "\(path) is \(MatchLiteral.describe(actual))"
        switch self {
        case .eq(let literal): return "\(found), expected \(literal)"
        case .ne(let literal): return "\(found), expected anything but \(literal)"
        case .oneOf(let literals): return "\(found), expected one of: \(literals.map(\.description).joined(separator: ", "))"
        case .glob(let glob): return "\(found), expected to match glob \(JSON.string(glob.pattern).compactJSON)"
        case .regex(let regex): return "\(found), expected to match regex \(JSON.string(regex.pattern).compactJSON)"
        case .exists(true): return "\(found), expected it to exist"
        case .exists(false): return "\(found), expected it to be missing"
        case .compare(let comparison, let bound): return "\(found), expected \(comparison.symbol) \(bound)"
        }
    }

    /// `eq "coco"`, `in ["a", "b"]`, `gt 5`: how the operator reads in an explanation.
    var description: String {
        switch self {
        case .eq(let literal): "eq \(literal)"
        case .ne(let literal): "ne \(literal)"
        case .oneOf(let literals): "in [\(literals.map(\.description).joined(separator: ", "))]"
        case .glob(let glob): "glob \(JSON.string(glob.pattern).compactJSON)"
        case .regex(let regex): "regex \(JSON.string(regex.pattern).compactJSON)"
        case .exists(let flag): "exists \(flag)"
        case .compare(let comparison, let bound): "\(comparison.rawValue) \(bound)"
        }
    }

    /// Strings as they are; numbers and booleans as their text, so `glob: "4*"` can match a count.
    private static func scalarText(_ value: JSON?) -> String? {
        switch value {
        case .string(let text)?: text
        case .number?, .bool?: value?.text
        default: nil
        }
    }
}
