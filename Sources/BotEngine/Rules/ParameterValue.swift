import BotKit

/// An action parameter as written in `do:`, compiled: literal values stay typed JSON (a number stays a
/// number), strings with `{{` are templates, lists and mappings are walked recursively. A subtree without
/// any template is kept as one literal, so rendering it is a copy.
indirect enum ParameterValue: Sendable {
    case literal(JSON)
    case template(RuleTemplate)
    case list([ParameterValue])
    case object([(key: String, value: ParameterValue)])

    /// Whether any template is inside; false means ``render(_:missing:)`` returns the literal.
    var hasTemplate: Bool {
        switch self {
        case .literal: false
        case .template: true
        case .list(let items): items.contains(where: \.hasTemplate)
        case .object(let entries): entries.contains { $0.value.hasTemplate }
        }
    }

    /// Every template inside, for load-time checks.
    var templates: [RuleTemplate] {
        switch self {
        case .literal: []
        case .template(let template): [template]
        case .list(let items): items.flatMap(\.templates)
        case .object(let entries): entries.flatMap(\.value.templates)
        }
    }

    /// The value with templates rendered; missing paths are appended to `missing`.
    func render(_ scope: JSON, missing: inout [String]) -> JSON {
        switch self {
        case .literal(let json): return json
        case .template(let template): return .string(template.render(scope, missing: &missing))
        case .list(let items): return .array(items.map { $0.render(scope, missing: &missing) })
        case .object(let entries):
            var object: [String: JSON] = [:]
            for entry in entries { object[entry.key] = entry.value.render(scope, missing: &missing) }
            return .object(object)
        }
    }
}
