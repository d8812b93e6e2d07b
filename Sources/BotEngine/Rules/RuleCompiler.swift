import BotKit

/// Turns the `rules:` config node into compiled ``Rule``s, collecting every problem on the way.
///
/// It never stops at the first error: `check-config` should list everything wrong in one run. A rule
/// with an error is left out of the result (the config is rejected anyway); warnings keep the rule.
struct RuleCompiler {
    /// The keys a rule may have, in the order messages list them.
    static let ruleKeys = ["name", "on", "where", "do", "enabled", "throttle"]
    static let throttleKeys = ["count", "per", "key"]

    /// Where a path is used (a `where` key or a template name), for the "never carried" warnings that can
    /// only be given once the rule's `on` is known.
    struct PathUse {
        var path: ScopePath
        var kind: String
        var location: SourceLocation
        var diagnosticPath: String
    }

    let path: String
    let plugins: [String: any BotPlugin.Type]
    private(set) var diagnostics: [ConfigDiagnostic] = []
    private var ruleNames: [String: SourceLocation] = [:]
    /// Errors so far; a rule that added any is not kept.
    private var errorCount = 0

    init(path: String, plugins: [any BotPlugin.Type]) {
        self.path = path
        // The first plugin of a name wins; AvalaBot registers each once.
        var byName: [String: any BotPlugin.Type] = [:]
        for plugin in plugins where byName[plugin.name] == nil { byName[plugin.name] = plugin }
        self.plugins = byName
    }

    mutating func error(_ location: SourceLocation?, _ path: String, _ message: String) {
        diagnostics.append(ConfigDiagnostic(.error, at: location, path: path, message))
        errorCount += 1
    }

    mutating func warning(_ location: SourceLocation?, _ path: String, _ message: String) {
        diagnostics.append(ConfigDiagnostic(.warning, at: location, path: path, message))
    }

    /// ` (did you mean 'where'?)`, or empty when nothing is close.
    static func didYouMean(_ word: String, in candidates: [String]) -> String {
        Suggestion.closest(to: word, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// `unknown key 'wher' (did you mean 'where'?)`, or the valid keys when nothing is close.
    static func unknownKey(_ key: String, valid: [String], noun: String = "key") -> String {
        if let close = Suggestion.closest(to: key, in: valid) { return "unknown \(noun) '\(key)' (did you mean '\(close)'?)" }
        return "unknown \(noun) '\(key)' (expected one of: \(valid.joined(separator: ", ")))"
    }

    mutating func compile(_ node: ConfigNode?) -> [Rule] {
        guard let node, !node.isNull else { return [] }
        guard let items = node.items else {
            error(node.location, path, "expected a list of rules")
            return []
        }
        return items.enumerated().compactMap { index, item in compileRule(item, path: "\(path)[\(index)]") }
    }

    private mutating func compileRule(_ node: ConfigNode, path rulePath: String) -> Rule? {
        guard let entries = node.entries else {
            error(node.location, rulePath, "expected a rule: a mapping with name, on and do")
            return nil
        }
        let errorsBefore = errorCount
        for entry in entries where !Self.ruleKeys.contains(entry.key) {
            error(entry.keyLocation, "\(rulePath).\(entry.key)", Self.unknownKey(entry.key, valid: Self.ruleKeys))
        }
        let name = compileName(node, path: rulePath)
        let patterns = compileOn(node, path: rulePath)
        var uses: [PathUse] = []
        var condition: RuleCondition?
        if let whereNode = node["where"], !whereNode.isNull {
            condition = compileWhere(whereNode, path: "\(rulePath).where", uses: &uses)
        }
        let actions = compileActions(node, path: rulePath, uses: &uses)
        var enabled = true
        // A reference left unresolved (`check-config --no-env`) is checked once it is resolved.
        if let enabledNode = node["enabled"], !enabledNode.isUnresolvedReference {
            if case .bool(let flag) = enabledNode.typedJSON {
                enabled = flag
            } else {
                error(enabledNode.location, "\(rulePath).enabled", "expected true or false")
            }
        }
        var throttle: Rule.Throttle?
        if let throttleNode = node["throttle"], !throttleNode.isNull {
            throttle = compileThrottle(throttleNode, path: "\(rulePath).throttle", uses: &uses)
        }
        if let patterns { checkCarried(uses, on: patterns) }
        guard errorCount == errorsBefore, let name, let patterns, let actions else { return nil }
        return Rule(
            name: name,
            enabled: enabled,
            on: patterns,
            condition: condition,
            actions: actions,
            throttle: throttle,
            paths: uses.map(\.path),
            onShown: Self.shownOn(node["on"], patterns: patterns)
        )
    }

    private mutating func compileName(_ node: ConfigNode, path rulePath: String) -> String? {
        guard let nameNode = node["name"] else {
            error(node.location, rulePath, "missing required key 'name'")
            return nil
        }
        guard let name = nameNode.text?.trimmingWhitespace, !name.isEmpty, nameNode.items == nil, nameNode.entries == nil else {
            error(nameNode.location, "\(rulePath).name", "expected a rule name (a non-empty string)")
            return nil
        }
        // A name is printed in logs, tables and `/status`, and typed on the command line: a control
        // character (a tab, an escape sequence) would garble each of them.
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            error(nameNode.location, "\(rulePath).name", "a rule name cannot hold control characters (tabs, line breaks, escapes)")
            return nil
        }
        if let first = ruleNames[name] {
            error(nameNode.location, "\(rulePath).name", "duplicate rule name '\(name)' (first at \(first))")
            return nil
        }
        ruleNames[name] = nameNode.location
        return name
    }

    /// The rule's `on` entries as `simulate` shows them: a type from a `${…}` reference as the reference.
    private static func shownOn(_ onNode: ConfigNode?, patterns: [EventPattern]) -> [String] {
        let items = onNode.map { $0.items ?? [$0] } ?? []
        guard items.count == patterns.count else { return patterns.map(\.description) }
        return zip(items, patterns).map { item, pattern in item.reference ?? pattern.description }
    }

    private mutating func compileOn(_ node: ConfigNode, path rulePath: String) -> [EventPattern]? {
        let expected = "expected an event type, a glob like 'export.*', or a list of them"
        guard let onNode = node["on"] else {
            error(node.location, rulePath, "missing required key 'on'")
            return nil
        }
        let items: [(node: ConfigNode, path: String)]
        if let list = onNode.items {
            items = list.enumerated().map { ($1, "\(rulePath).on[\($0)]") }
        } else {
            items = [(onNode, "\(rulePath).on")]
        }
        guard !items.isEmpty else {
            error(onNode.location, "\(rulePath).on", expected)
            return nil
        }
        var patterns: [EventPattern] = []
        for item in items {
            guard let text = item.node.text?.trimmingWhitespace, !text.isEmpty, item.node.items == nil, item.node.entries == nil else {
                error(item.node.location, item.path, expected)
                continue
            }
            if Glob.hasWildcards(text) {
                do {
                    let pattern = EventPattern.glob(try Glob(text))
                    if pattern.knownTypes.isEmpty {
                        warning(item.node.location, item.path, "'\(text)' matches no known event type")
                    }
                    patterns.append(pattern)
                } catch {
                    self.error(item.node.location, item.path, "\(error)")
                }
            } else {
                let type = EventType(rawValue: text)
                // No event of such a type can arrive (the listener refuses the name, and no poller makes
                // one): the rule could never run, which a warning that it "is still routed" hid.
                if let problem = type.nameProblem, !item.node.isUnresolvedReference {
                    let braces = text.contains("{") ? "; braces are not alternatives: list the types, on: [export.completed, export.failed]" : ""
                    error(item.node.location, item.path, "no event can have this type: \(problem)\(braces)")
                    continue
                }
                if !EventType.known.contains(type), !item.node.isUnresolvedReference {
                    // Unknown types stay routable: a webhook may bring a type this version has never heard of.
                    let known = EventType.known.map(\.rawValue)
                    let hint = Self.didYouMean(text, in: known)
                    warning(
                        item.node.location,
                        item.path,
                        "'\(text)' is not a known event type\(hint.isEmpty ? "; it is still routed if a webhook brings it" : hint)"
                    )
                }
                patterns.append(.exact(type))
            }
        }
        return patterns.count == items.count ? patterns : nil
    }

    private mutating func compileThrottle(_ node: ConfigNode, path throttlePath: String, uses: inout [PathUse]) -> Rule.Throttle? {
        guard let entries = node.entries else {
            error(node.location, throttlePath, "expected a mapping with count, per and key")
            return nil
        }
        for entry in entries where !Self.throttleKeys.contains(entry.key) {
            error(entry.keyLocation, "\(throttlePath).\(entry.key)", Self.unknownKey(entry.key, valid: Self.throttleKeys))
        }
        var count: Int?
        if let countNode = node["count"] {
            if let value = countNode.typedJSON.intValue, value > 0 {
                count = value
            } else if countNode.isUnresolvedReference {
                count = 1
            } else {
                error(countNode.location, "\(throttlePath).count", "expected a positive whole number, found \(MatchLiteral.describe(countNode.json))")
            }
        } else {
            error(node.location, throttlePath, "missing required key 'count'")
        }
        var per: Duration?
        if let perNode = node["per"], perNode.isUnresolvedReference {
            per = .seconds(1)
        } else if let perNode = node["per"] {
            do throws(ConfigDurationError) {
                guard let text = perNode.text, perNode.items == nil, perNode.entries == nil else {
                    throw ConfigDurationError("expected a duration like 30s, 5m or 1h30m")
                }
                let duration = try ConfigDuration.parse(text, referencedAs: perNode.reference)
                guard duration > .zero else { throw ConfigDurationError("expected a window longer than 0s") }
                per = duration
            } catch {
                self.error(perNode.location, "\(throttlePath).per", error.message)
            }
        } else {
            error(node.location, throttlePath, "missing required key 'per'")
        }
        var key: RuleTemplate?
        if let keyNode = node["key"], !keyNode.isNull {
            if let reference = keyNode.reference, ConfigReference(reference) != nil {
                // A referenced value is data, never a template: the same key for every event, which is one
                // window for the rule. Not kept as a key, so its value is never shown in an outcome.
                warning(
                    keyNode.location,
                    "\(throttlePath).key",
                    "a key from a ${…} reference is the same for every event (a reference is never a template): one window"
                        + " for the rule, as without a key; write the template in the file, e.g. key: \"{{project.uid}}\""
                )
            } else if let text = keyNode.text, keyNode.items == nil, keyNode.entries == nil {
                do {
                    key = try RuleTemplate(text)
                    if let key { uses += Self.pathUses(of: key, location: keyNode.location, path: "\(throttlePath).key") }
                } catch {
                    self.error(keyNode.location, "\(throttlePath).key", error.message)
                }
            } else {
                error(keyNode.location, "\(throttlePath).key", "expected a template (a string)")
            }
        }
        guard let count, let per else { return nil }
        return Rule.Throttle(limit: RuleThrottle.Limit(count: count, per: per), key: key)
    }

    /// The template's root names as path uses.
    static func pathUses(of template: RuleTemplate, location: SourceLocation, path: String) -> [PathUse] {
        var seen: Set<String> = []
        return template.rootPaths.compactMap { name in
            guard seen.insert(name).inserted, let scopePath = ScopePath(name) else { return nil }
            return PathUse(path: scopePath, kind: "template path", location: location, diagnosticPath: path)
        }
    }

    /// Warns about paths that no event of the rule's types carries, and about `event.<field>` names that
    /// do not exist. Silent when any of the types is unknown: anything may arrive under one.
    private mutating func checkCarried(_ uses: [PathUse], on patterns: [EventPattern]) {
        var carried: Set<String>? = ["event"]
        var typeNames: [String] = []
        var allTypes: [EventType] = []
        for pattern in patterns {
            let types: [EventType]
            switch pattern {
            case .exact(let type): types = [type]
            case .glob: types = pattern.knownTypes
            }
            let bodies = types.map(EventBodyKeys.keys(for:))
            if types.isEmpty || bodies.contains(where: { $0 == nil }) {
                carried = nil
                break
            }
            carried?.formUnion(bodies.compactMap { $0 }.joined())
            typeNames.append(pattern.description)
            allTypes += types
        }
        for use in uses {
            let components = use.path.components
            if components[0] == "event" {
                if components.count > 1, !ScopePath.eventFields.contains(components[1]) {
                    let hint = Self.didYouMean(components[1], in: ScopePath.eventFields)
                    warning(
                        use.location,
                        use.diagnosticPath,
                        "\(use.kind) '\(use.path)': event has no field '\(components[1])'\(hint.isEmpty ? " (fields: \(ScopePath.eventFields.joined(separator: ", ")))" : hint)"
                    )
                }
                continue
            }
            guard let carried else { continue }
            if carried.contains(components[0]) {
                checkField(use, of: components, in: allTypes)
                continue
            }
            let sorted = carried.sorted()
            let hint = Self.didYouMean(components[0], in: sorted)
            warning(
                use.location,
                use.diagnosticPath,
                "\(use.kind) '\(use.path)': \(typeNames.joined(separator: ", ")) events never carry '\(components[0])'"
                    + (hint.isEmpty ? " (they carry: \(sorted.joined(separator: ", ")))" : hint)
            )
        }
    }

    /// Warns about `key.field` where `key` is a text or number in every type that carries it
    /// (`organization.slug`), or every type that carries `key` is known to have no such field; where
    /// one of them may carry fields no list has (a webhook's export), only about a slip of a documented
    /// field (``EventBodyKeys/documentedFields``).
    private mutating func checkField(_ use: PathUse, of components: [String], in types: [EventType]) {
        guard components.count > 1 else { return }
        var fields: Set<String> = []
        var carriers: [String] = []
        var open = false
        for type in types where EventBodyKeys.keys(for: type)?.contains(components[0]) == true {
            carriers.append(type.rawValue)
            guard EventBodyKeys.value(of: components[0], for: type) == nil else { continue }
            if let known = EventBodyKeys.fields(of: components[0], for: type) { fields.formUnion(known) } else { open = true }
        }
        // Below a text or a number there is nothing, in every event that has the key.
        if let values = EventBodyKeys.singleValue(components[0], in: types) {
            warning(
                use.location,
                use.diagnosticPath,
                "\(use.kind) '\(use.path)': the \(components[0]) of \(carriers.joined(separator: ", ")) events is \(values.joined(separator: " or ")), "
                    + "with no fields: write '\(components[0])'"
            )
            return
        }
        if open {
            let documented = fields.union(EventBodyKeys.documentedFields[components[0]] ?? [])
            guard !documented.contains(components[1]), let typo = Suggestion.typo(of: components[1], in: documented) else { return }
            warning(
                use.location,
                use.diagnosticPath,
                "\(use.kind) '\(use.path)': the \(components[0]) of \(carriers.joined(separator: ", ")) events has no documented field '\(components[1])' (did you mean '\(typo)'?)"
            )
            return
        }
        guard !fields.isEmpty, !fields.contains(components[1]) else { return }
        let sorted = fields.sorted()
        let hint = Self.didYouMean(components[1], in: sorted)
        warning(
            use.location,
            use.diagnosticPath,
            "\(use.kind) '\(use.path)': the \(components[0]) of \(carriers.joined(separator: ", ")) events has no field '\(components[1])'"
                + (hint.isEmpty ? " (its fields: \(sorted.joined(separator: ", ")))" : hint)
        )
    }
}
