import BotKit

extension RuleCompiler {
    /// Compiles `do:`, validating each entry against the plugin's declared actions and parameters.
    mutating func compileActions(_ node: ConfigNode, path rulePath: String, uses: inout [PathUse]) -> [RuleAction]? {
        guard let doNode = node["do"] else {
            error(node.location, rulePath, "missing required key 'do'")
            return nil
        }
        guard let items = doNode.items, !items.isEmpty else {
            error(doNode.location, "\(rulePath).do", "expected a non-empty list of actions")
            return nil
        }
        var actions: [RuleAction] = []
        for (index, item) in items.enumerated() {
            if let action = compileAction(item, path: "\(rulePath).do[\(index)]", uses: &uses) { actions.append(action) }
        }
        return actions.count == items.count ? actions : nil
    }

    private mutating func compileAction(_ node: ConfigNode, path entryPath: String, uses: inout [PathUse]) -> RuleAction? {
        guard let entries = node.entries, entries.count == 1, let entry = entries.first else {
            error(node.location, entryPath, "expected one 'plugin: parameters' or 'plugin.action: parameters' entry")
            return nil
        }
        let keyPath = "\(entryPath).\(entry.key)"
        let (pluginName, actionName) = Self.splitActionKey(entry.key)
        guard let plugin = plugins[pluginName] else {
            let known = plugins.keys.sorted()
            let hint = Self.didYouMean(pluginName, in: known)
            error(entry.keyLocation, keyPath, "unknown plugin '\(pluginName)'\(hint.isEmpty ? " (known: \(known.joined(separator: ", ")))" : hint)")
            return nil
        }
        let actionNames = plugin.actions.map(\.name)
        let spec: ActionSpec
        if let actionName {
            guard let named = plugin.action(named: actionName) else {
                let hint = Self.didYouMean(actionName, in: actionNames)
                error(
                    entry.keyLocation,
                    keyPath,
                    "plugin '\(pluginName)' has no action '\(actionName)'\(hint.isEmpty ? " (actions: \(actionNames.joined(separator: ", ")))" : hint)"
                )
                return nil
            }
            spec = named
        } else {
            guard let main = plugin.mainAction else {
                error(
                    entry.keyLocation,
                    keyPath,
                    "plugin '\(pluginName)' has no main action; write \(pluginName).ACTION (one of: \(actionNames.joined(separator: ", ")))"
                )
                return nil
            }
            spec = main
        }
        let label = "\(pluginName).\(spec.name)"
        let parameterEntries: [ConfigNode.Entry]
        if entry.value.isNull {
            parameterEntries = []
        } else if let mapping = entry.value.entries {
            parameterEntries = mapping
        } else {
            error(entry.value.location, keyPath, "expected a mapping of parameters")
            return nil
        }

        var valid = true
        var parameters: [(name: String, value: ParameterValue)] = []
        for parameter in parameterEntries {
            let parameterPath = "\(keyPath).\(parameter.key)"
            guard let parameterSpec = spec.parameters.first(where: { $0.name == parameter.key }) else {
                let names = spec.parameters.map(\.name)
                let hint = Self.didYouMean(parameter.key, in: names)
                let expected = names.isEmpty ? " (it takes none)" : " (expected one of: \(names.joined(separator: ", ")))"
                error(parameter.keyLocation, parameterPath, "unknown parameter '\(parameter.key)' of \(label)\(hint.isEmpty ? expected : hint)")
                valid = false
                continue
            }
            guard let value = compileValue(parameter.value, path: parameterPath, uses: &uses) else {
                valid = false
                continue
            }
            if let json = value.fixedJSON, !check(json, against: parameterSpec, at: parameter.value, path: parameterPath) {
                valid = false
                continue
            }
            if parameterSpec.eventPaths, !checkEventPaths(parameter.value, path: parameterPath, uses: &uses) {
                valid = false
                continue
            }
            parameters.append((parameter.key, value))
        }
        // Written empty (`project: ""`) is as good as not written: it renders empty on every event.
        func written(_ name: String) -> Bool {
            parameterEntries.contains { $0.key == name && !$0.value.isNull && !Self.isBlankText($0.value) }
        }
        for group in spec.requiresOneOf where !group.contains(where: written) {
            // Each event would be dead-lettered for it: say so now, where the action is written.
            error(entry.keyLocation, keyPath, "\(label) needs one of: \(group.joined(separator: ", "))")
            valid = false
        }
        for parameterSpec in spec.parameters where parameterSpec.required {
            let given = parameterEntries.first { $0.key == parameterSpec.name }
            if given == nil || given?.value.isNull == true {
                error(
                    given?.value.location ?? entry.keyLocation,
                    "\(keyPath).\(parameterSpec.name)",
                    "missing required parameter '\(parameterSpec.name)' of \(label)"
                )
                valid = false
            } else if let given, Self.isBlankText(given.value) {
                // The dispatcher would dead-letter it on every event ("rendered empty"): say so now.
                error(
                    given.value.location,
                    "\(keyPath).\(parameterSpec.name)",
                    "required parameter '\(parameterSpec.name)' of \(label) is empty"
                )
                valid = false
            }
        }
        guard valid else { return nil }
        return RuleAction(plugin: pluginName, action: spec.name, parameters: parameters, specs: spec.parameters)
    }

    /// `invite` → (`invite`, nil); `invite.resend` → (`invite`, `resend`).
    static func splitActionKey(_ key: String) -> (plugin: String, action: String?) {
        guard let dot = key.firstIndex(of: ".") else { return (key, nil) }
        return (String(key[..<dot]), String(key[key.index(after: dot)...]))
    }

    /// A parameter value with its templates parsed; nil after reporting a bad template.
    private mutating func compileValue(_ node: ConfigNode, path valuePath: String, uses: inout [PathUse]) -> ParameterValue? {
        switch node {
        case .scalar(_, _, let location):
            if let reference = node.reference { return .reference(node.json, written: reference) }
            guard let text = node.templateText, RuleTemplate.isTemplate(text) else { return .literal(node.json) }
            do {
                let template = try RuleTemplate(text)
                uses += Self.pathUses(of: template, location: location, path: valuePath)
                return .template(template)
            } catch {
                self.error(location, valuePath, error.message)
                return nil
            }
        case .sequence(let items, _):
            var values: [ParameterValue] = []
            for (index, item) in items.enumerated() {
                if let value = compileValue(item, path: "\(valuePath)[\(index)]", uses: &uses) { values.append(value) }
            }
            guard values.count == items.count else { return nil }
            return values.contains { $0.hasTemplate || $0.hasReference } ? .list(values) : .literal(node.json)
        case .mapping(let entries, _):
            var values: [(key: String, value: ParameterValue)] = []
            for entry in entries {
                if let value = compileValue(entry.value, path: "\(valuePath).\(entry.key)", uses: &uses) { values.append((entry.key, value)) }
            }
            guard values.count == entries.count else { return nil }
            return values.contains { $0.value.hasTemplate || $0.value.hasReference } ? .object(values) : .literal(node.json)
        }
    }

    /// A list of event paths (or one alone): each written out must be a path, and is checked against the
    /// rule's event types as a template's paths are (``checkCarried``).
    private mutating func checkEventPaths(_ node: ConfigNode, path valuePath: String, uses: inout [PathUse]) -> Bool {
        let items: [(ConfigNode, String)] =
            if let list = node.items { list.enumerated().map { ($1, "\(valuePath)[\($0)]") } } else { [(node, valuePath)] }
        var valid = true
        for (item, itemPath) in items where !item.isNull && !item.isUnresolvedReference {
            // A template picks its path per event; its own paths are checked as a template's.
            if let text = item.templateText, RuleTemplate.isTemplate(text) { continue }
            guard case .string(let text) = item.json, let scopePath = ScopePath(text) else {
                error(item.location, itemPath, "expected an event path like event.type or project.uid, found \(MatchLiteral.describe(item.json))")
                valid = false
                continue
            }
            uses.append(
                PathUse(
                    path: scopePath,
                    kind: "\(valuePath.split(separator: ".").last ?? "") path",
                    location: item.location,
                    diagnosticPath: itemPath
                )
            )
        }
        return valid
    }

    /// Checks a literal (template-free) value against the parameter's kind and choices. Null passes: an
    /// optional parameter written `~` means its default, and a required one is reported as missing.
    /// A `${…}` that `check-config --no-env` left unresolved is not known until the run, where the action
    /// checks it: its placeholder text is not checked here.
    private mutating func check(_ json: JSON, against spec: ParameterSpec, at node: ConfigNode, path valuePath: String) -> Bool {
        guard json != .null, !node.isUnresolvedReference else { return true }
        // A secret-named parameter's value is named by its kind, never shown.
        let found = ConfigNode.isSecretNamed(spec.name) ? node.kindDescriptionWithoutValue : MatchLiteral.describe(json)
        var problem: String?
        switch (spec.kind, json) {
        // A whole number past 2^53 (an id) is an `.integer`: a number like any other here.
        case (.any, _), (.string, .string), (.string, .number), (.string, .integer), (.string, .bool), (.number, .number),
            (.number, .integer), (.bool, .bool), (.list, .array), (.object, .object), (.int, .integer):
            break
        case (.int, .number(let value)) where value.rounded() == value: break
        case (.string, _): problem = "expected a text value, found \(found)"
        case (.int, _): problem = "expected a whole number, found \(found)"
        case (.number, _): problem = "expected a number, found \(found)"
        case (.bool, _): problem = "expected true or false, found \(found)"
        case (.list, _): problem = "expected a list, found \(found)"
        case (.object, _): problem = "expected a mapping, found \(found)"
        case (.duration, .string), (.duration, .number), (.duration, .integer):
            do {
                _ = try ConfigDuration.parse(json.text, referencedAs: node.reference)
            } catch {
                problem = error.message
            }
        case (.duration, _): problem = "expected a duration like 30s, 5m or 1h30m, found \(found)"
        case (.size, .number(let value)) where value.rounded() == value && value >= 0: break
        case (.size, .integer(let value)) where value >= 0: break
        case (.size, .string(let text)) where ConfigSize.parse(text) != nil: break
        case (.size, _): problem = "\(found) is not a size (\(ConfigSize.expected))"
        }
        if let problem {
            error(node.location, valuePath, problem)
            return false
        }
        guard !spec.choices.isEmpty else { return true }
        // A list parameter with choices (`group_by`) checks each element.
        let values: [(JSON, ConfigNode, String)] =
            if case .array(let elements) = json, let items = node.items {
                zip(elements, items).enumerated().map { index, pair in (pair.0, pair.1, "\(valuePath)[\(index)]") }
            } else {
                [(json, node, valuePath)]
            }
        var valid = true
        for (value, valueNode, path) in values where !valueNode.isUnresolvedReference {
            if let text = valueNode.templateText, RuleTemplate.isTemplate(text) { continue }
            if !spec.choices.contains(value.text) {
                error(valueNode.location, path, "'\(value.text)' is not one of: \(spec.choices.joined(separator: ", "))")
                valid = false
            }
        }
        return valid
    }

    /// A text value of nothing but spaces (or nothing): it renders empty on every event.
    static func isBlankText(_ node: ConfigNode) -> Bool {
        guard case .scalar = node, case .string(let text) = node.json else { return false }
        return text.allSatisfy(\.isWhitespace)
    }
}
