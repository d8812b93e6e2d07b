public import BotKit
public import Foundation

/// The compiled `rules:` of a config: which events trigger which plugin actions.
///
/// Compiled once at load (``compile(_:path:plugins:)``): every glob, regex, path and template is parsed
/// then, every `do:` entry is checked against its plugin's declared actions, and every problem is
/// reported with its file, line and key path. Matching is then cheap: rules are indexed by event type,
/// and no rule that cannot match a type is looked at.
///
/// ```swift
/// let (rules, diagnostics) = RuleSet.compile(config["rules"], plugins: [InvitePlugin.self, ExportPlugin.self])
/// let runnable = rules.plan(for: event, throttle: throttle)
/// ```
///
/// ## The rule language
/// A rule is a mapping: `name` (required, unique), `on` (an event type, a glob such as `export.*`, or a
/// list of them), `where` (optional), `do` (a non-empty list of `plugin: params` or
/// `plugin.action: params`), `enabled` (default true), `throttle` (`{count, per, key}`: at most
/// `count` matches per `per` for each rendered `key`).
///
/// **`where`.** A mapping whose keys all must hold. A key is `all: [..]`, `any: [..]`, `not: {..}`, or a
/// dotted path into the event's scope (the body's keys, plus `event`: `id`, `type`, `source`, `origin`,
/// `time`, `subject`, `chain_depth`, `replay_of`); `items.0.uid` indexes a list. A path's value is a
/// scalar (`eq`), a list (`in`) or a mapping of operators that all must hold:
///
/// | operator | holds when the value… | when the path is missing or null |
/// |---|---|---|
/// | `eq: X` | equals X | false (`eq: null` holds for null) |
/// | `ne: X` | does not equal X | true |
/// | `in: [..]` | equals one of them | false |
/// | `contains: X` | is a list with an item that equals X, or a string with X in it | false |
/// | `glob: P` | matches the whole glob (`*`, `?`, `[abc]`, `[a-z]`, `[!a]`) | false |
/// | `regex: R` | contains a match (write `^…$` for the whole value) | false |
/// | `exists: B` | is present and not null (B true), or not (B false) | `exists: false` holds |
/// | `gt`, `gte`, `lt`, `lte` | compares so | false |
///
/// Types: a number and a string that spells a number compare as numbers (`3` equals `"3.0"`,
/// `"12" gt 9`); a boolean equals the string `"true"`/`"false"`; lists and mappings equal
/// structurally (so `eq` against a list holds only for the whole list, `eq: [a, b]`, and a single value
/// never equals a list: `contains` looks for an item); two strings compare as text. Comparisons take a number (or numeric string) or an
/// ISO-8601 timestamp as their bound; against a timestamp, the value must be a timestamp too and they
/// compare as instants. Any other pairing (a bool against a number, a word against a number) is simply
/// false, never an error. `glob` and `regex` read numbers and booleans as their text.
///
/// **Templates.** Every string with `{{` in a `do:` parameter (at any depth) and `throttle.key` is a
/// Mustache template rendered as plain text against the event's scope; see ``RuleTemplate``. Other
/// values keep their YAML type.
public struct RuleSet: Sendable {
    let rules: [Rule]
    /// For each type some rule names exactly (and each known type): the enabled rules that accept it,
    /// in file order.
    private let candidatesByType: [EventType: [Int]]
    /// Enabled rules with a glob in `on`: the only ones that can accept a type not in the index.
    private let globRules: [Int]

    /// No rules: every event matches nothing.
    public static let empty = RuleSet(rules: [])

    init(rules: [Rule]) {
        self.rules = rules
        var types = Set(EventType.known)
        for rule in rules {
            for pattern in rule.on {
                if case .exact(let type) = pattern { types.insert(type) }
            }
        }
        var index: [EventType: [Int]] = [:]
        for type in types {
            index[type] = rules.indices.filter { rules[$0].enabled && rules[$0].accepts(type) }
        }
        self.candidatesByType = index
        self.globRules = rules.indices.filter { index in
            rules[index].enabled && rules[index].on.contains { if case .glob = $0 { true } else { false } }
        }
    }

    /// Compiles `rules:`, collecting every error and warning; it never stops at the first.
    ///
    /// - Parameters:
    ///   - rules: the `rules` node, or nil when the config has none.
    ///   - path: the key path of that node, for messages.
    ///   - plugins: the plugins `do:` entries may name.
    /// - Returns: the rules that compiled without error (a config with any error is to be rejected), and
    ///   the diagnostics in file order.
    public static func compile(_ rules: ConfigNode?, path: String = "rules", plugins: [any BotPlugin.Type]) -> (RuleSet, [ConfigDiagnostic]) {
        var compiler = RuleCompiler(path: path, plugins: plugins)
        let compiled = compiler.compile(rules)
        return (RuleSet(rules: compiled), compiler.diagnostics)
    }

    /// The rules' names, in file order (disabled ones included).
    public var names: [String] { rules.map(\.name) }

    /// How many rules there are (disabled ones included).
    public var count: Int { rules.count }

    /// The plugins some rule names in `do:` (disabled rules included: enabling one must not need a new
    /// plugin config).
    public var usedPlugins: Set<String> {
        Set(rules.flatMap { $0.actions.map(\.plugin) })
    }

    /// The rules whose `do:` runs `plugin.action` with `parameter` written (disabled rules included), by
    /// name: for checks that cross a plugin's settings with its rules.
    public func rules(running plugin: String, action: String, with parameter: String? = nil) -> [String] {
        rules.filter { rule in
            rule.actions.contains { entry in
                guard entry.plugin == plugin, entry.action == action else { return false }
                guard let parameter else { return true }
                return entry.parameters.contains { $0.name == parameter }
            }
        }
        .map(\.name)
    }

    /// The enabled rules whose `do:` runs `plugin.action` with the boolean `parameter` true whatever the
    /// event: written `true` (or a `${…}` holding it), or left out when `byDefault` is true. A template's
    /// value is known only per event, and a disabled rule runs nothing: neither is counted. For checks of
    /// what the rules will certainly make the bot do (the exports they follow).
    public func rules(running plugin: String, action: String, alwaysSetting parameter: String, byDefault: Bool) -> [String] {
        rules.filter { rule in
            rule.enabled
                && rule.actions.contains { entry in
                    guard entry.plugin == plugin, entry.action == action else { return false }
                    guard let value = entry.parameters.first(where: { $0.name == parameter })?.value else { return byDefault }
                    switch value.fixedJSON {
                    case .bool(let flag)?: return flag
                    case .null?: return byDefault
                    default: return false
                    }
                }
        }
        .map(\.name)
    }

    /// The throttle limit of each rule that has one.
    public var throttleLimits: [String: RuleThrottle.Limit] {
        Dictionary(uniqueKeysWithValues: rules.compactMap { rule in rule.throttle.map { (rule.name, $0.limit) } })
    }

    /// The names of the enabled rules whose `on` and `where` accept the event, in file order, without
    /// rendering anything.
    public func matchingRules(for event: Event) -> [String] {
        candidates(for: event.type).compactMap { index in
            let rule = rules[index]
            return rule.condition?.holds(event) == false ? nil : rule.name
        }
    }

    /// The enabled rules accepting the event's type that read one of `unavailable` (paths enrichment could
    /// not fill this time), in file order: whether they match cannot be told without it.
    public func rulesReading(_ unavailable: [String], for event: Event) -> [String] {
        let missing = unavailable.compactMap(ScopePath.init)
        guard !missing.isEmpty else { return [] }
        return candidates(for: event.type).compactMap { index in rules[index].reads(any: missing) ? rules[index].name : nil }
    }

    /// The actions of every enabled rule that matches, in file order and `do:` order, with parameters
    /// rendered. Pure: no throttle is consulted or counted (``RuleThrottle/admit(_:eventID:now:)`` does that).
    public func plan(for event: Event) -> [PlannedAction] {
        var scope: JSON?
        var planned: [PlannedAction] = []
        for index in candidates(for: event.type) {
            let rule = rules[index]
            if let condition = rule.condition, !condition.holds(event) { continue }
            // The scope (with its formatted timestamp) is built once, and only when a rule matched.
            let eventScope = scope ?? event.scope
            scope = eventScope
            planned += rule.plan(scope: eventScope)
        }
        return planned
    }

    /// ``plan(for:)`` with the throttle applied: the dispatcher's entry point. Each throttled rule that
    /// matched is counted once for this event (a re-run of the same event is not counted again), and the
    /// actions of rules whose window is full are left out.
    ///
    /// - Parameter decided: rules this event already ran steps of: admitted without being counted again.
    public func plan(for event: Event, throttle: RuleThrottle, now: Date? = nil, decided: Set<String> = []) -> [PlannedAction] {
        throttle.admit(plan(for: event), eventID: event.id, now: now, decided: decided)
    }

    /// ``plan(for:throttle:now:decided:)``, with the actions the throttle held back.
    public func planWithThrottle(
        for event: Event,
        throttle: RuleThrottle,
        now: Date? = nil,
        decided: Set<String> = []
    )
        -> (admitted: [PlannedAction], throttled: [PlannedAction])
    {
        throttle.partition(plan(for: event), eventID: event.id, now: now, decided: decided)
    }

    /// Every rule's verdict on the event, for `simulate`: matched with its planned actions, or why not.
    ///
    /// - Parameters:
    ///   - throttle: when given, a matching rule whose window is full is reported as throttled; the
    ///     throttle is only asked, never counted.
    ///   - now: the time for that question; the throttle's clock when nil.
    public func explain(_ event: Event, throttle: RuleThrottle? = nil, now: Date? = nil) -> [RuleExplanation] {
        var scope: JSON?
        return rules.map { rule in
            guard rule.enabled else { return RuleExplanation(rule: rule.name, verdict: .disabled) }
            guard rule.accepts(event.type) else {
                return RuleExplanation(rule: rule.name, verdict: .typeNotMatched(type: event.type.rawValue, on: rule.onShown))
            }
            if let failure = rule.condition?.failure(event) {
                return RuleExplanation(rule: rule.name, verdict: .conditionFailed(failure))
            }
            let eventScope = scope ?? event.scope
            scope = eventScope
            let actions = rule.plan(scope: eventScope)
            if let throttle, let window = actions.first?.throttle,
                !throttle.wouldAdmit(rule: rule.name, key: window.key, limit: window.limit, eventID: event.id, now: now)
            {
                return RuleExplanation(rule: rule.name, verdict: .throttled(key: window.key, limit: window.limit), actions: actions)
            }
            return RuleExplanation(rule: rule.name, verdict: .matched, actions: actions)
        }
    }

    /// Whether some enabled rule's `on` accepts this type (its `where` aside): an event no rule routes
    /// needs no enrichment and no journal, only to be marked done.
    public func routes(_ type: EventType) -> Bool {
        !candidates(for: type).isEmpty
    }

    private func candidates(for type: EventType) -> [Int] {
        candidatesByType[type] ?? globRules.filter { rules[$0].accepts(type) }
    }
}
