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
        var optionsFromEvent: [String: [Int]] = [:]
        for parameter in self.parameters {
            if parameter.value.hasReference { shown[parameter.name] = parameter.value.shown(scope) }
            var parameterMissing: [String] = []
            let rendered = parameter.value.render(scope, missing: &parameterMissing)
            parameters[parameter.name] = rendered
            if argumentParameters.contains(parameter.name) {
                let options = Self.optionsFromEvent(parameter.value, rendered: rendered)
                if !options.isEmpty { optionsFromEvent[parameter.name] = options }
            }
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
            shownParameters: shown,
            optionsFromEvent: optionsFromEvent
        )
    }

    /// The parameters the plugin declares as a program's arguments.
    private var argumentParameters: Set<String> {
        Set(specs.lazy.filter(\.arguments).map(\.name))
    }

    /// The items of an arguments parameter (a list, or one value standing for one argument) that render
    /// to text starting with `-` from a template that does not itself start with it: the dash came from
    /// the event. Literals and `${…}` values are the config author's own.
    static func optionsFromEvent(_ value: ParameterValue, rendered: JSON) -> [Int] {
        func fromEvent(_ item: ParameterValue, _ text: JSON) -> Bool {
            guard case .template(let template) = item, !template.source.hasPrefix("-") else { return false }
            return text.text.hasPrefix("-")
        }
        switch (value, rendered) {
        case (.list(let items), .array(let texts)):
            return zip(items, texts).enumerated().compactMap { fromEvent($1.0, $1.1) ? $0 : nil }
        default:
            return fromEvent(value, rendered) ? [0] : []
        }
    }
}
