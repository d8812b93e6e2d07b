public import BotKit

/// Asks each plugin, built from its config, about the `do:` parameters written as literals: a name the
/// config must define (`alert: {receiver: ops}`) is checked at load, with its line, instead of failing
/// every event as a dead letter. Parameters with a `{{` template, or a `${…}` left unresolved by
/// `check-config --no-env`, are left to the run: their value is not known yet. Of a templated name
/// (`receiver: "ops-{{project.team}}"`) the text it always starts and ends with is known: when no
/// configured name has it, every run would fail, and that is an error too.
public enum LiteralParameterCheck {
    /// - Parameters:
    ///   - rules: the `rules` node, or nil when the config has none.
    ///   - path: the key path of that node, for messages.
    ///   - plugins: the plugins built from their config, by name; a rule naming another one is skipped
    ///     (the rule compiler or the plugin's config check has said why).
    /// - Returns: one error per problem, at the parameter's value (`rules[3].do[0].alert.receiver`).
    /// - Parameter setAside: by plugin, names its config check set aside past an error it reported
    ///   (``PluginConfigValidator/Result/setAside``): a parameter naming one is not reported again.
    public static func diagnostics(
        rules: ConfigNode?,
        path: String = "rules",
        plugins: [String: any BotPlugin],
        setAside: [String: Set<String>] = [:]
    ) -> [ConfigDiagnostic] {
        var diagnostics: [ConfigDiagnostic] = []
        for (ruleIndex, rule) in (rules?.items ?? []).enumerated() {
            for (actionIndex, item) in (rule["do"]?.items ?? []).enumerated() {
                guard let entries = item.entries, entries.count == 1, let entry = entries.first else { continue }
                let (pluginName, actionName) = RuleCompiler.splitActionKey(entry.key)
                guard let plugin = plugins[pluginName] else { continue }
                let type = type(of: plugin)
                guard let spec = actionName.map({ type.action(named: $0) }) ?? type.mainAction, let parameters = entry.value.entries else {
                    continue
                }
                let keyPath = "\(path)[\(ruleIndex)].do[\(actionIndex)].\(entry.key)"
                for parameter in parameters {
                    guard let text = parameter.value.templateText, RuleTemplate.isTemplate(text),
                        let names = plugin.configuredNames(action: spec.name, parameter: parameter.key),
                        let problem = templatedNameProblem(
                            text,
                            parameter: parameter.key,
                            rule: rule["name"]?.templateText,
                            names: names,
                            setAside: setAside[pluginName] ?? [],
                            configKeys: Set(type.configKeys.map(\.name))
                        )
                    else { continue }
                    diagnostics.append(ConfigDiagnostic(at: parameter.value.location, path: "\(keyPath).\(parameter.key)", problem))
                }
                var literals: [String: JSON] = [:]
                var nodes: [String: ConfigNode] = [:]
                for parameter in parameters where !parameter.value.isNull && isLiteral(parameter.value) {
                    literals[parameter.key] = parameter.value.json
                    nodes[parameter.key] = parameter.value
                }
                guard !literals.isEmpty else { continue }
                for problem in plugin.literalParameterProblems(action: spec.name, parameters: literals)
                where setAside[pluginName]?.contains(literals[problem.parameter]?.stringValue ?? "") != true {
                    // The plugin was built without the entries its config check set aside: a list of what
                    // is configured would leave out names that are written, and refused above.
                    let configKeys = Set(type.configKeys.map(\.name))
                    let refused = (setAside[pluginName] ?? []).subtracting(configKeys).sorted()
                    let note = refused.isEmpty ? "" : " (besides \(refused.joined(separator: ", ")), refused above)"
                    diagnostics.append(
                        ConfigDiagnostic(
                            at: nodes[problem.parameter]?.location ?? entry.keyLocation,
                            path: "\(keyPath).\(problem.parameter)",
                            (nodes[problem.parameter]?.sayingOfItsReference(problem.message) ?? problem.message) + note
                        )
                    )
                }
            }
        }
        return diagnostics
    }

    /// Why a templated name can never render one of `names`, or nil when it may. A template that does not
    /// parse is the rule compiler's to report; one without a literal start or end may render any name.
    /// A name the plugin's config check set aside counts as configured: the fix is there, said above.
    static func templatedNameProblem(
        _ text: String,
        parameter: String,
        rule: String?,
        names: [String],
        setAside: Set<String>,
        configKeys: Set<String>
    ) -> String? {
        guard let template = try? RuleTemplate(text) else { return nil }
        let (prefix, suffix) = template.literalEnds
        guard !prefix.isEmpty || !suffix.isEmpty else { return nil }
        let fits = { (name: String) in
            name.count >= prefix.count + suffix.count && name.hasPrefix(prefix) && name.hasSuffix(suffix)
        }
        guard !names.contains(where: fits), !setAside.contains(where: fits) else { return nil }
        let shape = [prefix.isEmpty ? nil : "starting with '\(prefix)'", suffix.isEmpty ? nil : "ending with '\(suffix)'"]
            .compactMap { $0 }.joined(separator: " and ")
        let refused = setAside.subtracting(configKeys).sorted()
        let besides = refused.isEmpty ? "" : " (besides \(refused.joined(separator: ", ")), refused above)"
        let configured = names.isEmpty ? "none is configured" : "configured: \(names.joined(separator: ", "))"
        let who = rule.map { "rule '\($0)'" } ?? "the rule"
        return "'\(text)' always renders a \(parameter) \(shape), and no configured \(parameter) is one (\(configured)\(besides)):"
            + " \(who) would fail this action every time"
    }

    /// No template and no unresolved reference anywhere inside.
    static func isLiteral(_ node: ConfigNode) -> Bool {
        switch node {
        case .scalar: !node.isUnresolvedReference && !RuleTemplate.isTemplate(node.templateText ?? "")
        case .sequence(let items, _): items.allSatisfy(isLiteral)
        case .mapping(let entries, _): entries.allSatisfy { isLiteral($0.value) }
        }
    }
}
