import BotEngine
import BotKit

extension ConfigReloader {
    /// What a reload changed in the rules, by name, so the log says what now runs differently: a count
    /// alone reads the same after an edit to a rule, or after one was renamed.
    struct RuleChanges: Equatable, Sendable {
        var added: [String] = []
        var removed: [String] = []
        /// Rules of the same name whose definition (`on`, `where`, `do`, `enabled`, `throttle`) differs.
        var changed: [String] = []

        /// The log's metadata for the non-empty lists, names only: a rule's values may hold secrets.
        var metadata: [String: String] {
            var metadata: [String: String] = [:]
            if !added.isEmpty { metadata["rules.added"] = added.joined(separator: ",") }
            if !removed.isEmpty { metadata["rules.removed"] = removed.joined(separator: ",") }
            if !changed.isEmpty { metadata["rules.changed"] = changed.joined(separator: ",") }
            return metadata
        }
    }

    /// The rules added, removed and changed between two `rules` lists, in the new file's order (removed
    /// ones in the old file's). Compared by value, without the source positions: a rule moved down
    /// the file is not a change.
    static func ruleChanges(from old: ConfigNode?, to new: ConfigNode?) -> RuleChanges {
        func byName(_ rules: ConfigNode?) -> [(name: String, definition: JSON)] {
            // A valid config has a unique, non-empty name for every rule (the compiler refuses the rest).
            (rules?.items ?? []).compactMap { rule in
                rule["name"]?.text.map { (name: $0.trimmingWhitespace, definition: rule.json) }
            }
        }
        let before = byName(old)
        let after = byName(new)
        let previous = Dictionary(before.map { ($0.name, $0.definition) }, uniquingKeysWith: { first, _ in first })
        let names = Set(after.map(\.name))
        var changes = RuleChanges()
        for rule in after {
            if let definition = previous[rule.name] {
                if definition != rule.definition { changes.changed.append(rule.name) }
            } else {
                changes.added.append(rule.name)
            }
        }
        changes.removed = before.map(\.name).filter { !names.contains($0) }
        return changes
    }

    /// The `plugins` sections that differ between two configs (added, removed or edited), sorted: these
    /// settings apply from the reload on, so the log names them, never their values.
    static func changedPluginSections(from old: ConfigNode?, to new: ConfigNode?) -> [String] {
        let names = Set((old?.entries ?? []).map(\.key)).union((new?.entries ?? []).map(\.key))
        return names.filter { old?[$0]?.json != new?[$0]?.json }.sorted()
    }
}
