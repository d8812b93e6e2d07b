public import BotKit

/// Asks each plugin, built from its config, about the `do:` parameters written as literals: a name the
/// config must define (`alert: {receiver: ops}`) is checked at load, with its line, instead of failing
/// every event as a dead letter. Parameters with a `{{` template, or a `${…}` left unresolved by
/// `check-config --no-env`, are left to the run: their value is not known yet.
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
                var literals: [String: JSON] = [:]
                var nodes: [String: ConfigNode] = [:]
                for parameter in parameters where !parameter.value.isNull && isLiteral(parameter.value) {
                    literals[parameter.key] = parameter.value.json
                    nodes[parameter.key] = parameter.value
                }
                guard !literals.isEmpty else { continue }
                let keyPath = "\(path)[\(ruleIndex)].do[\(actionIndex)].\(entry.key)"
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

    /// No template and no unresolved reference anywhere inside.
    static func isLiteral(_ node: ConfigNode) -> Bool {
        switch node {
        case .scalar: !node.isUnresolvedReference && !RuleTemplate.isTemplate(node.templateText ?? "")
        case .sequence(let items, _): items.allSatisfy(isLiteral)
        case .mapping(let entries, _): entries.allSatisfy { isLiteral($0.value) }
        }
    }
}
