import BotEngine
import BotKit

/// `simulate`'s answer, as text: the event, every rule matched or why not, and each action that would
/// run with its rendered parameters.
struct SimulationReport {
    let event: Event
    let rules: RuleSet
    let enrichment: String

    func render() -> String {
        var lines: [String] = []
        let subject = event.subject.map { " about \($0.kind) \($0.uid)" } ?? ""
        lines.append("Event \(event.type)\(subject) (chain depth \(event.chainDepth))")
        lines.append("Enrichment: \(enrichment)")
        let explanations = rules.explain(event)
        if explanations.isEmpty { lines.append("No rules are configured.") }
        var actionCount = 0
        for explanation in explanations {
            lines.append("rule \(explanation.rule): \(explanation.reason)")
            guard explanation.matched else { continue }
            for action in explanation.actions {
                actionCount += 1
                // A plugin's main action is written `plugin:` alone, as in the rule.
                let main = ConfigLoader.availablePlugins.first { $0.name == action.plugin }?.mainAction?.name
                let name = action.action == main ? action.plugin : "\(action.plugin).\(action.action)"
                let parameters = action.parameters.keys.sorted().map { "\($0)=\(action.parameters[$0]!.compactJSON)" }
                lines.append("  \(action.actionIndex + 1). \(name) \(parameters.joined(separator: " "))")
                if let failure = action.requiredFailure {
                    lines.append("     would fail: \(failure)")
                } else if !action.missingPaths.isEmpty {
                    lines.append("     rendered empty: \(action.missingPaths.joined(separator: ", "))")
                }
            }
        }
        let matched = explanations.filter(\.matched).count
        lines.append(
            "\(matched) of \(explanations.count) rule\(explanations.count == 1 ? "" : "s") matched; "
                + "\(actionCount) action\(actionCount == 1 ? "" : "s") would run. Nothing was performed."
        )
        return lines.joined(separator: "\n")
    }
}
