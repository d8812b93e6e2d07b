import BotKit

/// One compiled `do:` entry: which plugin action, with which parameters (templates already parsed).
struct RuleAction: Sendable {
    var plugin: String
    var action: String
    var parameters: [(name: String, value: ParameterValue)]
    /// The plugin's declared parameters, handed on so the dispatcher can fail a required one that
    /// rendered empty.
    var specs: [ParameterSpec]

    /// The action with its parameters rendered against `scope`.
    func plan(rule: String, index: Int, scope: JSON, throttle: PlannedAction.Throttle?) -> PlannedAction {
        var parameters: [String: JSON] = [:]
        var missing: [String] = []
        var missingByParameter: [String: [String]] = [:]
        var shown: [String: JSON] = [:]
        for parameter in self.parameters {
            if parameter.value.hasReference { shown[parameter.name] = parameter.value.shown(scope) }
            var parameterMissing: [String] = []
            parameters[parameter.name] = parameter.value.render(scope, missing: &parameterMissing)
            guard !parameterMissing.isEmpty else { continue }
            missingByParameter[parameter.name] = parameterMissing
            for path in parameterMissing where !missing.contains(path) { missing.append(path) }
        }
        return PlannedAction(
            rule: rule,
            actionIndex: index,
            plugin: plugin,
            action: action,
            parameters: parameters,
            missingPaths: missing,
            missingPathsByParameter: missingByParameter,
            specs: specs,
            throttle: throttle,
            shownParameters: shown
        )
    }
}
