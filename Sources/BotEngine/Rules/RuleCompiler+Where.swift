import BotKit

extension RuleCompiler {
    /// Compiles a `where` mapping. Keys are combinators (`all`, `any`, `not`) or dotted paths; a path's
    /// value is a scalar (equals), a list (in) or a mapping of operators that must all hold.
    mutating func compileWhere(_ node: ConfigNode, path wherePath: String, uses: inout [PathUse]) -> RuleCondition? {
        let expected = "expected a mapping of paths to conditions"
        guard let entries = node.entries else {
            error(node.location, wherePath, expected)
            return nil
        }
        var conditions: [RuleCondition] = []
        var valid = true
        for entry in entries {
            let entryPath = "\(wherePath).\(entry.key)"
            switch entry.key {
            case "all", "any":
                guard let items = entry.value.items, !items.isEmpty else {
                    error(entry.value.location, entryPath, "expected a non-empty list of conditions")
                    valid = false
                    continue
                }
                var children: [RuleCondition] = []
                for (index, item) in items.enumerated() {
                    if let child = compileWhere(item, path: "\(entryPath)[\(index)]", uses: &uses) { children.append(child) }
                }
                guard children.count == items.count else {
                    valid = false
                    continue
                }
                conditions.append(entry.key == "all" ? .all(children) : .any(children))
            case "not":
                guard let child = compileWhere(entry.value, path: entryPath, uses: &uses) else {
                    valid = false
                    continue
                }
                conditions.append(.not(child))
            default:
                guard let scopePath = ScopePath(entry.key) else {
                    error(entry.keyLocation, entryPath, "bad path '\(entry.key)': a component is empty")
                    valid = false
                    continue
                }
                uses.append(PathUse(path: scopePath, kind: "path", location: entry.keyLocation, diagnosticPath: entryPath))
                guard let operators = compileOperators(entry.value, path: entryPath, scopePath: scopePath) else {
                    valid = false
                    continue
                }
                if scopePath.description == "export.status" { checkNormalizedStatus(operators, at: entry.value.location, path: entryPath) }
                conditions.append(.path(scopePath, operators))
            }
        }
        guard valid else { return nil }
        return conditions.count == 1 ? conditions[0] : .all(conditions)
    }

    /// Every event's export status is normalized before rules run (PRODUCT.md): lower case, and Avala's
    /// `exported` is `completed`. A value compared to it in another spelling never matches: say which
    /// spelling does.
    private mutating func checkNormalizedStatus(_ operators: [MatchOperator], at location: SourceLocation, path entryPath: String) {
        var literals: [MatchLiteral] = []
        for op in operators {
            switch op {
            case .eq(let literal): literals.append(literal)
            case .oneOf(let list): literals += list
            default: break
            }
        }
        for literal in literals {
            guard case .string(let text) = literal.json else { continue }
            let normalized = EventNormalizer.normalizeExportStatus(text)
            guard normalized != text else { continue }
            warning(
                location,
                entryPath,
                "'\(text)' is never an export's status: statuses are normalized before rules run (lower case, and Avala's exported is completed); write '\(normalized)'"
            )
        }
    }

    private mutating func compileOperators(_ node: ConfigNode, path entryPath: String, scopePath: ScopePath) -> [MatchOperator]? {
        switch node {
        case .scalar: return [.eq(MatchLiteral(node))]
        case .sequence(let items, _): return [.oneOf(items.map(MatchLiteral.init))]
        case .mapping(let entries, let location):
            guard !entries.isEmpty else {
                error(location, entryPath, "expected at least one operator (one of: \(MatchOperator.names.joined(separator: ", ")))")
                return nil
            }
            var operators: [MatchOperator] = []
            for entry in entries {
                guard MatchOperator.names.contains(entry.key) else {
                    var message = "unknown operator '\(entry.key)' (expected one of: \(MatchOperator.names.joined(separator: ", ")))"
                    // `where: {export: {format: coco}}` reads naturally but is not the syntax; say what is.
                    if Suggestion.closest(to: entry.key, in: MatchOperator.names) == nil {
                        message += "; to match a nested key, write the path '\(scopePath).\(entry.key)'"
                    }
                    error(entry.keyLocation, entryPath, message)
                    continue
                }
                if entry.value.isUnresolvedReference, !["eq", "ne"].contains(entry.key) {
                    // `check-config --no-env`, or `simulate` without the variable: the value is checked once
                    // it is resolved. Until then it stands for itself, which no event value equals.
                    operators.append(.eq(MatchLiteral(entry.value)))
                    continue
                }
                switch MatchOperator.compile(entry.key, entry.value) {
                case .success(let op):
                    if case .regex(let regex, _) = op, regex.nestsRepetition {
                        warning(
                            entry.value.location,
                            entryPath,
                            "regex: '\(regex.pattern)' repeats a group that repeats inside; on some values matching it takes"
                                + " exponential time and holds up every event behind it (write it without the nesting)"
                        )
                    } else if case .regex(let regex, _) = op, regex.repeatsOverlappingBranches {
                        warning(
                            entry.value.location,
                            entryPath,
                            "regex: '\(regex.pattern)' repeats a group whose branches can match the same text; on some values"
                                + " matching it takes exponential time and holds up every event behind it (write the branches so"
                                + " that they cannot, or as one class)"
                        )
                    } else if case .glob(let glob, _) = op, Self.looksLikeBraceAlternatives(glob.description) {
                        warning(
                            entry.value.location,
                            entryPath,
                            "glob: '\(glob.description)' matches the braces and commas as they are written (a glob here has"
                                + " no {a,b} alternatives); for alternatives write in: [a, b], or a regex"
                        )
                    }
                    operators.append(op)
                case .failure(let problem): error(entry.value.location, entryPath, problem.message)
                }
            }
            return operators.count == entries.count ? operators : nil
        }
    }

    /// `{a,b}` as shells and many glob libraries read it: a `{`, then a `,`, then a `}`.
    static func looksLikeBraceAlternatives(_ pattern: String) -> Bool {
        guard let open = pattern.firstIndex(of: "{"),
            let comma = pattern[open...].firstIndex(of: ","),
            pattern[comma...].contains("}")
        else { return false }
        return true
    }
}
