import BotKit

/// One operator of a `where` path (`eq`, `in`, `glob`, …), compiled once at load.
///
/// What each does with a path that is missing (or null, which counts as missing), and with values of
/// another type, is part of the rule language; ``RuleSet`` documents it.
///
/// An operand that came from a `${…}` reference carries the reference as written (a literal's
/// ``MatchLiteral/reference``, the `reference` of the others), so that explanations show it in the
/// value's place, however short the value: said where it is known, not guessed from the text later.
enum MatchOperator: Sendable, CustomStringConvertible {
    case eq(MatchLiteral)
    case ne(MatchLiteral)
    case oneOf([MatchLiteral])
    /// A list holding an item equal to the literal (as `eq` compares), or a string holding its text.
    case contains(MatchLiteral)
    case glob(Glob, reference: String?)
    case regex(RuleRegex, reference: String?)
    case exists(Bool, reference: String?)
    case compare(Comparison, ComparisonBound, reference: String?)

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
        case number(MatchLiteral.Number)
        case time(seconds: Double, text: String)

        var description: String {
            switch self {
            case .number(let number): number.description
            case .time(_, let text): JSON.string(text).compactJSON
            }
        }

        /// The sign of `actual - bound`, or nil when they cannot be compared (so every comparison is false).
        func order(of actual: JSON) -> Int? {
            switch (self, actual) {
            case (.number(let bound), .number), (.number(let bound), .integer), (.number(let bound), .string):
                return MatchLiteral.Number(actual)?.order(bound)
            case (.time(let seconds, _), .string(let text)):
                guard let actualSeconds = ISOTimestamp.seconds(text) else { return nil }
                return actualSeconds < seconds ? -1 : actualSeconds > seconds ? 1 : 0
            default: return nil
            }
        }
    }

    /// Every operator name, in the order error messages list them.
    static let names = ["eq", "ne", "in", "contains", "glob", "regex", "exists", "gt", "gte", "lt", "lte"]

    /// Compiles `name: value`; the error is a message to put after the path.
    static func compile(_ name: String, _ node: ConfigNode) -> Result<MatchOperator, ConfigProblem> {
        switch name {
        case "eq": return .success(.eq(MatchLiteral(node)))
        case "ne": return .success(.ne(MatchLiteral(node)))
        case "in":
            guard let items = node.items else { return .failure(ConfigProblem("in: expected a list of values")) }
            return .success(.oneOf(items.map(MatchLiteral.init)))
        case "contains":
            // One item to look for: a list or a mapping here would be looked for as one item, which reads
            // like "all of these" or "any of these" and is neither.
            // An empty text is in every string, so `contains: ""` would hold for any text: refused too.
            guard let text = node.text, !text.isEmpty, node.items == nil, node.entries == nil else {
                return .failure(
                    ConfigProblem(
                        "contains: expected one value (a non-empty string, a number or a boolean), found \(node.kindDescription);"
                            + " for several, write all: or any: of contains conditions"
                    )
                )
            }
            return .success(.contains(MatchLiteral(node)))
        case "glob":
            guard let text = node.text else { return .failure(ConfigProblem("glob: expected a pattern (a string)")) }
            do {
                return .success(.glob(try Glob(text), reference: node.reference))
            } catch {
                return .failure(ConfigProblem("glob: \(error)"))
            }
        case "regex":
            guard let text = node.text else { return .failure(ConfigProblem("regex: expected a pattern (a string)")) }
            return RuleRegex.compile(text).map { .regex($0, reference: node.reference) }
        case "exists":
            guard case .bool(let flag) = node.typedJSON else { return .failure(ConfigProblem("exists: expected true or false")) }
            return .success(.exists(flag, reference: node.reference))
        default:
            guard let comparison = Comparison(rawValue: name) else {
                return .failure(ConfigProblem("unknown operator '\(name)' (expected one of: \(names.joined(separator: ", ")))"))
            }
            // A reference's value is read as if written plainly (`gt: ${MIN}` holding `2` is the number 2).
            let literal = MatchLiteral(node.typedJSON)
            if let number = literal.number { return .success(.compare(comparison, .number(number), reference: node.reference)) }
            if case .string(let text) = node.typedJSON, let seconds = ISOTimestamp.seconds(text) {
                return .success(.compare(comparison, .time(seconds: seconds, text: text), reference: node.reference))
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
        case .contains(let literal):
            switch actual {
            case .array(let items)?: return items.contains { literal.equals($0) }
            case .string(let text)?: return text.contains(literal.json.text)
            default: return false
            }
        case .glob(let glob, _):
            guard let text = Self.scalarText(actual) else { return false }
            return glob.matches(text)
        case .regex(let regex, _):
            guard let text = Self.scalarText(actual) else { return false }
            return regex.matches(text)
        case .exists(let expected, _):
            let present = actual != nil && actual != .null
            return present == expected
        case .compare(let comparison, let bound, _):
            guard let actual, let order = bound.order(of: actual) else { return false }
            return comparison.holds(order)
        }
    }

    /// Why the value at `path` fails this operator, for `simulate`:
    /// `export.format is "yolo", expected "coco"`.
    /// The value found is event data and is shown as it is, unless it equals a referenced operand's
    /// value: then it is that value, and is named by its reference (`token is the value of ${TOKEN},
    /// expected anything but ${TOKEN}`).
    func failure(path: String, actual: JSON?) -> String {
        let found = "\(path) is " + (revealedReference(actual).map { "the value of \($0)" } ?? MatchLiteral.describe(actual))
        switch self {
        case .eq(let literal): return "\(found), expected \(literal)"
        case .ne(let literal): return "\(found), expected anything but \(literal)"
        case .oneOf(let literals): return "\(found), expected one of: \(literals.map(\.description).joined(separator: ", "))"
        case .contains(let literal): return "\(found), expected to contain \(literal)"
        case .glob: return "\(found), expected to match glob \(operand)"
        case .regex: return "\(found), expected to match regex \(operand)"
        case .exists(true, _): return "\(found), expected it to exist"
        case .exists(false, _): return "\(found), expected it to be missing"
        case .compare(let comparison, _, _): return "\(found), expected \(comparison.symbol) \(operand)"
        }
    }

    /// `eq "coco"`, `in ["a", "b"]`, `gt 5`, `glob ${PATTERN}`: how the operator reads in an explanation.
    var description: String {
        switch self {
        case .eq(let literal): "eq \(literal)"
        case .ne(let literal): "ne \(literal)"
        case .oneOf(let literals): "in [\(literals.map(\.description).joined(separator: ", "))]"
        case .contains(let literal): "contains \(literal)"
        case .glob: "glob \(operand)"
        case .regex: "regex \(operand)"
        case .exists: "exists \(operand)"
        case .compare(let comparison, _, _): "\(comparison.rawValue) \(operand)"
        }
    }

    /// The operand of a glob, regex, exists or comparison as explanations show it: the reference it came
    /// from, or its JSON text.
    private var operand: String {
        switch self {
        case .glob(let glob, let reference): reference ?? JSON.string(glob.pattern).compactJSON
        case .regex(let regex, let reference): reference ?? JSON.string(regex.pattern).compactJSON
        case .exists(let flag, let reference): reference ?? "\(flag)"
        case .compare(_, let bound, let reference): reference ?? bound.description
        case .eq(let literal), .ne(let literal), .contains(let literal): literal.description
        case .oneOf(let literals): literals.map(\.description).joined(separator: ", ")
        }
    }

    /// The reference whose value `actual` holds, among this operator's referenced operands: showing
    /// `actual` would show that value.
    private func revealedReference(_ actual: JSON?) -> String? {
        switch self {
        case .eq(let literal), .ne(let literal), .contains(let literal): return literal.reference(revealedBy: actual)
        case .oneOf(let literals): return literals.lazy.compactMap { $0.reference(revealedBy: actual) }.first
        case .glob(let glob, let reference?): return Self.scalarText(actual) == glob.pattern ? reference : nil
        case .regex(let regex, let reference?): return Self.scalarText(actual) == regex.pattern ? reference : nil
        case .exists(let flag, let reference?): return actual == .bool(flag) ? reference : nil
        case .compare(_, let bound, let reference?):
            guard let actual else { return nil }
            let sameText: Bool
            switch bound {
            case .number(let number): sameText = MatchLiteral(actual).number?.order(number) == 0
            case .time(_, let text): sameText = Self.scalarText(actual) == text
            }
            return sameText || bound.order(of: actual) == 0 ? reference : nil
        case .glob, .regex, .exists, .compare: return nil
        }
    }

    /// Strings as they are; numbers and booleans as their text, so `glob: "4*"` can match a count.
    private static func scalarText(_ value: JSON?) -> String? {
        switch value {
        case .string(let text)?: text
        case .number?, .integer?, .bool?: value?.text
        default: nil
        }
    }
}
