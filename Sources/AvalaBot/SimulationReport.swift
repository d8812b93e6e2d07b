import BotEngine
import BotKit

/// `simulate`'s answer, as text: the event, every rule matched or why not, and each action with its
/// rendered parameters and what its plugin says it would do (``PluginPreview``).
struct SimulationReport {
    let event: Event
    let enrichment: String
    /// What the rules make of the event.
    let explanations: [RuleExplanation]
    /// The plugins' answers, by ``key(_:)``; an action without one is counted as one that would run,
    /// unless an earlier action of its rule would fail or wait.
    var verdicts: [String: PluginPreview.Verdict] = [:]
    /// By plugin, the values its config section took from `${…}` references, with each reference as
    /// written: a plugin may quote its config in what it says (`outside plugins.invite.allowed_domains
    /// (acme.ai)`), and it saw the value, not where it came from.
    var pluginReferences: [String: [(value: String, reference: String)]] = [:]

    /// - Parameter throttle: the rules' windows as the bot's journal has them; nil shows every window open.
    init(event: Event, rules: RuleSet, enrichment: String, throttle: RuleThrottle? = nil) {
        self.event = event
        self.enrichment = enrichment
        explanations = rules.explain(event, throttle: throttle)
    }

    static func key(_ action: PlannedAction) -> String { "\(action.rule)/\(action.actionIndex)" }

    /// Asks the plugin of every matched action what it would do (``verdicts``), up to the first action of
    /// each rule that would fail or wait: the dispatcher runs none after it, so they are not asked.
    mutating func ask(_ preview: PluginPreview) async {
        for explanation in explanations where explanation.matched {
            for action in explanation.actions {
                let verdict = await preview.verdict(for: action, event: event)
                verdicts[Self.key(action)] = verdict
                if Self.heldBack(by: verdict.kind, action: action) != nil { break }
            }
        }
    }

    /// How an action that ends this way holds back the rule's later actions, or nil when they still run.
    ///
    /// As the dispatcher: a failed action is dead-lettered and one that waits (a retry, a deferral) is run
    /// again later, and in both cases the actions after it in the rule do not run, since they may depend
    /// on it. A skipped one does not hold them back, nor one the preview could not tell about.
    ///
    /// - Returns: what the later actions say, naming `action` by its number in the rule.
    private static func heldBack(by kind: PluginPreview.Verdict.Kind, action: PlannedAction) -> String? {
        switch kind {
        case .failed: "would not run: action \(action.actionIndex + 1) fails first"
        case .waits: "would not run yet: action \(action.actionIndex + 1) waits first"
        case .wouldRun, .skipped, .unknown: nil
        }
    }

    /// `text`, a plugin's words about `action`, with each value the action took from a `${…}` reference
    /// shown as that reference, however short (`would log: ${TOKEN}`): the plugin saw the value, not where
    /// it came from. ``replacingReferences(_:in:)`` says how.
    static func withReferences(of action: PlannedAction, in text: String) -> String {
        var pairs: [(value: String, reference: String)] = []
        func walk(_ value: JSON?, _ shown: JSON?) {
            switch (value, shown) {
            case (.array(let values)?, .array(let shown)?): for (value, shown) in zip(values, shown) { walk(value, shown) }
            case (.object(let values)?, .object(let shown)?): for (key, value) in values { walk(value, shown[key]) }
            case (let value?, .string(let reference)?) where value != .string(reference): pairs.append((value.text, reference))
            default: break
            }
        }
        for (name, shown) in action.shownParameters { walk(action.parameters[name], shown) }
        return replacingReferences(pairs, in: text)
    }

    /// `text` with each value of `pairs` shown as its reference, however short. Longest first, so that a
    /// value holding another is replaced whole; only where it stands as a whole word, so that other words
    /// holding the same letters are left alone.
    static func replacingReferences(_ pairs: [(value: String, reference: String)], in text: String) -> String {
        var result = text
        for pair in pairs.filter({ !$0.value.isEmpty }).sorted(by: { $0.value.count > $1.value.count }) {
            result = ConfigSource.Loaded.Redactor.replacingWhole(pair.value, with: pair.reference, in: result)
        }
        return result
    }

    /// What the report shows of a value a `${…}` reference gave is the reference, however short the value,
    /// by where the value can come from: a parameter's where it is rendered
    /// (``PlannedAction/shownParameters``); in a plugin's verdict, the action's parameters and the plugin's
    /// own config section (``withReferences(of:in:)``, ``pluginReferences``); in a rule's reason, each
    /// `where` operand, and an event value equal to one as `the value of ${NAME}` (``RuleExplanation``);
    /// the enrichment line is written so by `simulate`. Event data is shown as it is, even where it reads
    /// like a referenced value.
    ///
    /// - Parameter guarded: a last guard for the lines beside the parameters, relied on for nothing the
    ///   rule above covers: ``LoadedConfiguration/redacted(_:)``, which puts a referenced value of 8
    ///   characters or more back as its reference wherever it stands.
    func render(guardedBy guarded: (String) -> String = { $0 }) -> String {
        var lines: [String] = []
        let subject = event.subject.map { " about \($0.kind) \($0.uid)" } ?? ""
        lines.append("Event \(event.type)\(subject) (chain depth \(event.chainDepth))")
        lines.append(guarded("Enrichment: \(enrichment)"))
        if explanations.isEmpty { lines.append("No rules are configured.") }
        var actionCount = 0
        var runCount = 0
        for explanation in explanations {
            lines.append(guarded("rule \(explanation.rule): \(explanation.reason)"))
            guard explanation.matched else { continue }
            // The text for the rule's later actions, once one of its actions would fail or wait.
            var heldBack: String?
            for action in explanation.actions {
                actionCount += 1
                // A plugin's main action is written `plugin:` alone, as in the rule.
                let main = ConfigLoader.availablePlugins.first { $0.name == action.plugin }?.mainAction?.name
                let name = action.action == main ? action.plugin : "\(action.plugin).\(action.action)"
                let parameters = action.parameters.keys.sorted().map { name in
                    "\(name)=\((action.shownParameters[name] ?? action.parameters[name]!).compactJSON)"
                }
                lines.append("  \(action.actionIndex + 1). \(name) \(parameters.joined(separator: " "))")
                if !action.missingPaths.isEmpty, action.requiredFailure == nil {
                    lines.append("     rendered empty: \(action.missingPaths.joined(separator: ", "))")
                }
                if let heldBack {
                    lines.append("     \(heldBack)")
                } else if let verdict = verdicts[Self.key(action)] {
                    let text = Self.replacingReferences(pluginReferences[action.plugin] ?? [], in: Self.withReferences(of: action, in: verdict.text))
                    lines.append(guarded("     \(text)"))
                    if verdict.kind == .wouldRun || verdict.kind == .unknown { runCount += 1 }
                    heldBack = Self.heldBack(by: verdict.kind, action: action)
                } else if let failure = action.requiredFailure {
                    lines.append(guarded("     would fail: \(failure)"))
                    heldBack = Self.heldBack(by: .failed, action: action)
                } else {
                    runCount += 1
                }
            }
        }
        let matched = explanations.filter(\.matched).count
        let actions = "\(actionCount) action\(actionCount == 1 ? "" : "s")"
        lines.append(
            "\(matched) of \(explanations.count) rule\(explanations.count == 1 ? "" : "s") matched; "
                + (runCount == actionCount
                    ? "\(actions) would run. Nothing was performed."
                    : "\(runCount) of \(actions) would run. Nothing was performed.")
        )
        return lines.joined(separator: "\n")
    }
}
