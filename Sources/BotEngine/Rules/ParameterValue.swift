import BotKit

/// An action parameter as written in `do:`, compiled: literal values stay typed JSON (a number stays a
/// number), strings with `{{` are templates, the value of a `${…}` reference is data kept with its
/// reference as written, lists and mappings are walked recursively. A subtree without any template or
/// reference is kept as one literal, so rendering it is a copy.
indirect enum ParameterValue: Sendable {
    case literal(JSON)
    case template(RuleTemplate)
    /// The value of a `${…}` reference (never a template), and the reference as written (`${TOKEN}`):
    /// what `simulate` shows in its place (``shown(_:)``).
    case reference(JSON, written: String)
    case list([ParameterValue])
    case object([(key: String, value: ParameterValue)])

    /// Whether any template is inside; false means ``render(_:missing:)`` returns the literal.
    var hasTemplate: Bool {
        switch self {
        case .literal, .reference: false
        case .template: true
        case .list(let items): items.contains(where: \.hasTemplate)
        case .object(let entries): entries.contains { $0.value.hasTemplate }
        }
    }

    /// Whether the value of a `${…}` reference is inside.
    var hasReference: Bool {
        switch self {
        case .literal, .template: false
        case .reference: true
        case .list(let items): items.contains(where: \.hasReference)
        case .object(let entries): entries.contains { $0.value.hasReference }
        }
    }

    /// The JSON of a value without templates (literals and references' values), checked at load; nil
    /// when a template is inside.
    var fixedJSON: JSON? {
        guard !hasTemplate else { return nil }
        var missing: [String] = []
        return render(.null, missing: &missing)
    }

    /// Every template inside, for load-time checks.
    var templates: [RuleTemplate] {
        switch self {
        case .literal, .reference: []
        case .template(let template): [template]
        case .list(let items): items.flatMap(\.templates)
        case .object(let entries): entries.flatMap(\.value.templates)
        }
    }

    /// The value with templates rendered; missing paths are appended to `missing`.
    func render(_ scope: JSON, missing: inout [String]) -> JSON {
        switch self {
        case .literal(let json), .reference(let json, _): return json
        case .template(let template): return .string(template.render(scope, missing: &missing))
        case .list(let items): return .array(items.map { $0.render(scope, missing: &missing) })
        case .object(let entries):
            var object: [String: JSON] = [:]
            for entry in entries { object[entry.key] = entry.value.render(scope, missing: &missing) }
            return .object(object)
        }
    }

    /// The value as `simulate` shows it: rendered, with each reference's value shown as the reference as
    /// written. Said at the source, so that neither a short value nor one two references share is shown
    /// wrong, and event data that happens to read like a referenced value is left as it is.
    func shown(_ scope: JSON) -> JSON {
        var missing: [String] = []
        switch self {
        case .reference(_, let written): return .string(written)
        case .literal, .template: return render(scope, missing: &missing)
        case .list(let items): return .array(items.map { $0.shown(scope) })
        case .object(let entries):
            var object: [String: JSON] = [:]
            for entry in entries { object[entry.key] = entry.value.shown(scope) }
            return .object(object)
        }
    }
}
