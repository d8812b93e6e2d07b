public import BotKit

/// Checks the `plugins:` section against each plugin's declared `configKeys` and creates the plugins.
///
/// A plugin section is validated even when no rule uses the plugin (a typo is a typo), but a plugin is
/// created — and so its required keys enforced — only when a rule uses it or it has a section.
public enum PluginConfigValidator {
    public struct Result: Sendable {
        public var plugins: [String: any BotPlugin]
        public var diagnostics: [ConfigDiagnostic]
        /// By plugin, the names of entries set aside to build it past an error already reported (a
        /// receiver whose own settings are wrong): a rule naming one is not also told it is unknown.
        public var setAside: [String: Set<String>] = [:]
    }

    /// - Parameters:
    ///   - usedAt: where a rule first names each plugin: a plugin without a section of its own is
    ///     reported there, since there is no key of it to point at.
    ///   - ruleReferences: by plugin, the values its rules' actions take from `${…}` references, added to
    ///     its config's ``PluginConfig/referencedValues`` so that it keeps them out of what it reports.
    public static func load(
        _ section: ConfigNode?,
        available: [any BotPlugin.Type],
        used: Set<String>,
        usedAt: [String: (location: SourceLocation, path: String)] = [:],
        ruleReferences: [String: Set<String>] = [:]
    ) -> Result {
        var diagnostics: [ConfigDiagnostic] = []
        let byName = Dictionary(available.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var configs: [String: (PluginConfig, ConfigNode?)] = [:]
        // Sections written as something other than a mapping: reported once as such, not again for each
        // key the plugin then misses.
        var misshapen: Set<String> = []
        if let section, !section.isNull {
            if let entries = section.entries {
                for entry in entries {
                    let path = "plugins.\(entry.key)"
                    guard let type = byName[entry.key] else {
                        let hint = Suggestion.closest(to: entry.key, in: byName.keys).map { " (did you mean '\($0)'?)" } ?? ""
                        diagnostics.append(
                            ConfigDiagnostic(
                                at: entry.keyLocation,
                                path: path,
                                "unknown plugin '\(entry.key)'\(hint); available: \(byName.keys.sorted().joined(separator: ", "))"
                            )
                        )
                        continue
                    }
                    let (config, problems) = check(entry.value, specs: type.configKeys, path: path)
                    diagnostics += problems
                    configs[entry.key] = (config, entry.value)
                    if !entry.value.isNull, entry.value.entries == nil { misshapen.insert(entry.key) }
                }
            } else {
                diagnostics.append(
                    ConfigDiagnostic(at: section.location, path: "plugins", "expected a mapping of plugin names, found \(section.kindDescription)")
                )
            }
        }
        var plugins: [String: any BotPlugin] = [:]
        var setAside: [String: Set<String>] = [:]
        for name in Set(configs.keys).union(used).sorted() {
            guard let type = byName[name] else { continue }
            var (config, node) = configs[name] ?? (PluginConfig(), nil)
            config.referencedValues.formUnion(ruleReferences[name] ?? [])
            let original = config
            // Stand-ins already tried, by key, and the keys taken out: see below.
            var tried: [String: Int] = [:]
            var removed: [String] = []
            // By list key, the indices as written of the items taken out: the plugin names a later item
            // by its index in the shortened list, which is mapped back to where the config has it.
            var removedItems: [String: [Int]] = [:]
            // A plugin refuses its config one key at a time; each refusal costs a build, so bounded, by the
            // config's size: a fixed bound would stop listing the problems of a long section part way.
            for _ in 0..<Self.attemptBound(for: config) {
                do {
                    plugins[name] = try type.init(config: config)
                    break
                } catch let refusal as PluginConfigError {
                    let error = PluginConfigError(key: Self.keyAsWritten(refusal.key, removedItems: removedItems), refusal.message)
                    let target = node?.node(atKeyPath: error.key)
                    let attempt = tried[error.key, default: 0]
                    // A complaint about a key around one taken out is about the taking out.
                    let aboutRemoval =
                        removedItems[error.key] != nil
                        || removed.contains { $0 == error.key || $0.hasPrefix(error.key + ".") || $0.hasPrefix(error.key + "[") }
                    // `check-config --no-env` leaves `${…}` as written: a URL or secret key then holds the
                    // reference, which is checked once it is resolved, not here. A value the plugin
                    // refuses is reported once, as written; the plugin's later complaints about the same
                    // key are about the stand-ins.
                    if attempt == 0, !aboutRemoval, target?.isUnresolvedReference != true, !misshapen.contains(name) {
                        report(error, plugin: name, node: node, target: target, usedAt: usedAt, into: &diagnostics)
                    }
                    // A value its key accepts stands in (or, as a last resort, the key goes), so that the
                    // plugin is still built: the rest of its section is checked in the same run, and so are
                    // its rules' parameters against it (a receiver's name). One run lists every problem.
                    // `JSON?.none`, not `nil`: JSON takes a nil literal as its own `null`.
                    // Once every stand-in and the key's own removal were refused (a required key with a
                    // bad value: refused as written, then as missing), its list item or enclosing key goes
                    // below instead, so that the plugin is still built.
                    let standIn: JSON? = attempt < placeholders.count ? placeholders[attempt] : JSON?.none
                    if attempt <= placeholders.count, let replaced = replacing(refusal.key, in: config, with: standIn) {
                        tried[error.key] = attempt + 1
                        config = replaced
                        if standIn == nil { removed.append(error.key) }
                        continue
                    }
                    // A value inside a list item (a silence): that item goes, and the list's other items
                    // are still checked.
                    if let (list, index, replaced) = Self.removingItem(refusal.key, in: config) {
                        tried[error.key] = placeholders.count + 1
                        config = replaced
                        removedItems[list, default: []].append(Self.indexAsWritten(index, removed: removedItems[list] ?? []))
                        removedItems[list]?.sort()
                        continue
                    }
                    // A key that is missing and that no stand-in fits (a command's path): the nearest
                    // enclosing key that can be taken out goes instead (the command).
                    guard let (enclosing, replaced) = Self.removingEnclosing(refusal.key, in: config) else { break }
                    tried[error.key] = placeholders.count + 1
                    config = replaced
                    removed.append(enclosing)
                } catch {
                    diagnostics.append(ConfigDiagnostic(at: node?.location, path: "plugins.\(name)", "\(error)"))
                    break
                }
            }
            if !removed.isEmpty {
                // A key taken out inside an entry taken out later (`commands.a.path`, then `commands.a`) is
                // that entry's: the entry's name is what rules name.
                let outermost = removed.filter { key in !removed.contains { key.hasPrefix($0 + ".") || key.hasPrefix($0 + "[") } }
                setAside[name] = Set(
                    outermost.compactMap { Self.keyParts($0, in: .object(original.values)).last.map { String($0.prefix { $0 != "[" }) } }
                )
            }
        }
        return Result(plugins: plugins, diagnostics: diagnostics, setAside: setAside)
    }

    /// The first list item `key` names: `silences[1].until` → (`silences`, 1, `.until`); nil when none.
    static func firstListItem(in key: String) -> (list: String, index: Int, after: Substring)? {
        guard let open = key.firstIndex(of: "["), let close = key[open...].firstIndex(of: "]"),
            let index = Int(key[key.index(after: open)..<close])
        else { return nil }
        return (String(key[..<open]), index, key[key.index(after: close)...])
    }

    /// `config` without the list item that holds `key` (for `silences[1].until`, `silences[1]`), the
    /// list's key and the item's index; nil when `key` is in no list item of `config`.
    static func removingItem(_ key: String, in config: PluginConfig) -> (list: String, index: Int, PluginConfig)? {
        guard let item = firstListItem(in: key) else { return nil }
        func without(_ json: JSON, _ path: ArraySlice<Substring>) -> JSON? {
            guard let first = path.first else {
                guard case .array(var items) = json, items.indices.contains(item.index) else { return nil }
                items.remove(at: item.index)
                return .array(items)
            }
            guard case .object(var object) = json, let child = object[String(first)], let replaced = without(child, path.dropFirst()) else {
                return nil
            }
            object[String(first)] = replaced
            return .object(object)
        }
        guard case .object(let values)? = without(.object(config.values), item.list.split(separator: ".")[...]) else { return nil }
        return (item.list, item.index, PluginConfig(values, referencedValues: config.referencedValues))
    }

    /// Where an item now at `index` of a list stands as written, given the indices as written of the
    /// items taken out of it before (sorted).
    static func indexAsWritten(_ index: Int, removed: [Int]) -> Int {
        var written = index
        for taken in removed where taken <= written { written += 1 }
        return written
    }

    /// `key` as the plugin named it in the config with items taken out, written with the indices the
    /// config file has (`silences[0].until` is `silences[1].until` once the first silence went).
    static func keyAsWritten(_ key: String, removedItems: [String: [Int]]) -> String {
        guard let item = firstListItem(in: key), let removed = removedItems[item.list] else { return key }
        return "\(item.list)[\(indexAsWritten(item.index, removed: removed))]\(item.after)"
    }

    /// `config` without the nearest key enclosing `key` that it holds (for `silences[0].until`, the whole
    /// `silences`), and that key; nil when there is none.
    static func removingEnclosing(_ key: String, in config: PluginConfig) -> (String, PluginConfig)? {
        var parts = keyParts(key, in: .object(config.values))
        if let list = parts.firstIndex(where: { $0.contains("[") }) {
            parts = Array(parts[..<list]) + [String(parts[list].prefix { $0 != "[" })]
        } else {
            parts.removeLast()
        }
        while !parts.isEmpty {
            let enclosing = parts.joined(separator: ".")
            if let replaced = replacing(enclosing, in: config, with: JSON?.none) { return (enclosing, replaced) }
            parts.removeLast()
        }
        return nil
    }

    /// Values that stand for a `${…}` left unresolved, tried in turn until the plugin accepts one: a
    /// URL, a Standard Webhooks secret, a number, a duration, a flag.
    static let placeholders: [JSON] = [
        .string("https://placeholder.invalid/"), .string("whsec_YXZhbGEtYm90IHBsYWNlaG9sZGVyIHNlY3JldC4uLi4="), .number(1), .string("1s"),
        .bool(true),
    ]

    /// How many times a plugin may refuse `config`: each key or list item can be refused as written, then
    /// for each stand-in, then as removed, and once more when its removal leaves its entry wrong.
    static func attemptBound(for config: PluginConfig) -> Int {
        func count(_ json: JSON) -> Int {
            switch json {
            case .object(let object): object.count + object.values.reduce(0) { $0 + count($1) }
            case .array(let items): items.count + items.reduce(0) { $0 + count($1) }
            default: 0
            }
        }
        return max(64, 2 * (placeholders.count + 2) * (count(.object(config.values)) + 1))
    }

    /// `key`'s parts as the keys `json` has: a name with a dot in it (a receiver `ops.eu`) is one key, so
    /// `receivers.ops.eu.slack.url` is `receivers`, `ops.eu`, `slack`, `url`. Parts past what `json` has
    /// are split at each dot.
    static func keyParts(_ key: String, in json: JSON) -> [String] {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var result: [String] = []
        var current: JSON? = json
        var start = 0
        while start < parts.count {
            let object = current?.objectValue ?? [:]
            let end = (start..<parts.count).first { object[parts[start...$0].joined(separator: ".")] != nil } ?? start
            let name = parts[start...end].joined(separator: ".")
            result.append(name)
            current = object[name]
            start = end + 1
        }
        return result
    }

    /// `config` with the value at the dotted `key` (`receivers.ops.slack.url`) replaced, or removed when
    /// `value` is nil; nil when there is no such value to remove. A value missing from a mapping that is
    /// there is added (a target's required secret), so that the rest of its entry is still checked.
    static func replacing(_ key: String, in config: PluginConfig, with value: JSON?) -> PluginConfig? {
        func replace(_ json: JSON, _ path: ArraySlice<String>) -> JSON? {
            guard case .object(var object) = json, let first = path.first else { return nil }
            if path.count == 1 {
                // A list item (`silences[0]`) is no key to add: it is taken out of its list instead.
                guard object[String(first)] != nil || (value != nil && !first.contains("[")) else { return nil }
                object[String(first)] = value
            } else {
                guard let child = object[String(first)], let replaced = replace(child, path.dropFirst()) else { return nil }
                object[String(first)] = replaced
            }
            return .object(object)
        }
        let path = keyParts(key, in: .object(config.values))[...]
        guard let replaced = replace(.object(config.values), path), case .object(let values) = replaced else { return nil }
        return PluginConfig(values, referencedValues: config.referencedValues)
    }

    private static func report(
        _ error: PluginConfigError,
        plugin name: String,
        node: ConfigNode?,
        target: ConfigNode?,
        usedAt: [String: (location: SourceLocation, path: String)],
        into diagnostics: inout [ConfigDiagnostic]
    ) {
        // A missing key (a receiver's url) is pointed at where it should be: the deepest key that is there.
        var enclosing = error.key
        var found = target
        while found == nil, let dot = enclosing.lastIndex(where: { $0 == "." || $0 == "[" }) {
            enclosing = String(enclosing[..<dot])
            found = node?.node(atKeyPath: enclosing)
        }
        let location = found?.location ?? node?.location
        if node == nil, let use = usedAt[name] {
            diagnostics.append(
                ConfigDiagnostic(
                    at: use.location,
                    path: "plugins.\(name).\(error.key)",
                    "\(error.message); \(use.path) uses \(name), and the config has no plugins.\(name) section"
                )
            )
            return
        }
        let message = target?.sayingOfItsReference(error.message) ?? error.message
        diagnostics.append(ConfigDiagnostic(at: location, path: "plugins.\(name).\(error.key)", message))
    }

    /// Keys against specs: unknown keys, kinds and choices.
    static func check(_ node: ConfigNode, specs: [ParameterSpec], path: String) -> (PluginConfig, [ConfigDiagnostic]) {
        if node.isNull { return (PluginConfig(), []) }
        guard let entries = node.entries else {
            return (PluginConfig(), [ConfigDiagnostic(at: node.location, path: path, "expected a mapping of keys, found \(node.kindDescription)")])
        }
        var diagnostics: [ConfigDiagnostic] = []
        var values: [String: JSON] = [:]
        var referencedValues: Set<String> = []
        let byName = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for entry in entries {
            guard let spec = byName[entry.key] else {
                let hint = Suggestion.closest(to: entry.key, in: byName.keys).map { " (did you mean '\($0)'?)" } ?? ""
                let known = specs.isEmpty ? "it takes no keys" : "known: \(specs.map(\.name).joined(separator: ", "))"
                diagnostics.append(
                    ConfigDiagnostic(at: entry.keyLocation, path: "\(path).\(entry.key)", "unknown key '\(entry.key)'\(hint); \(known)")
                )
                continue
            }
            let node = entry.value
            // A reference's value is read as a number or a boolean where the key expects one.
            let value = [.int, .number, .bool].contains(spec.kind) ? node.typedJSON : node.json
            // Left unresolved by `check-config --no-env`: its value is checked once it is resolved.
            if node.isUnresolvedReference {
                values[entry.key] = node.json
                continue
            }
            // A reference's value, or a secret-named key's, is named by its kind, never shown.
            let found = node.reference != nil || ConfigNode.isSecretNamed(entry.key) ? node.kindDescriptionWithoutValue : nil
            if let problem = kindProblem(value, spec, found: found) {
                diagnostics.append(ConfigDiagnostic(at: node.location, path: "\(path).\(entry.key)", problem))
                continue
            }
            values[entry.key] = value
            referencedValues.formUnion(resolvedReferences(in: node))
        }
        return (PluginConfig(values, referencedValues: referencedValues), diagnostics)
    }

    /// The values of the resolved `${…}` references at or below `node`.
    public static func resolvedReferences(in node: ConfigNode) -> [String] {
        switch node {
        case .scalar(let value, .reference(_, resolved: true), _): [value]
        case .scalar: []
        case .mapping(let entries, _): entries.flatMap { resolvedReferences(in: $0.value) }
        case .sequence(let items, _): items.flatMap { resolvedReferences(in: $0) }
        }
    }

    /// Why `value` does not fit `spec`, or nil.
    ///
    /// - Parameter found: How to name the value in the message instead of showing it (a `${…}`
    ///   reference's value may be a secret).
    public static func kindProblem(_ value: JSON, _ spec: ParameterSpec, found: String? = nil) -> String? {
        let fits: Bool
        switch spec.kind {
        case .string, .duration, .size: fits = value.stringValue != nil || value.numberValue != nil
        case .int: fits = value.intValue != nil
        case .number: fits = value.numberValue != nil
        case .bool: fits = value.boolValue != nil
        case .list: fits = value.arrayValue != nil
        case .object: fits = value.objectValue != nil
        case .any: fits = true
        }
        guard fits else { return "expected \(spec.kind.rawValue), found \(found ?? String(value.compactJSON.prefix(60)))" }
        if !spec.choices.isEmpty, let text = value.stringValue, !spec.choices.contains(text) {
            return "\(found ?? "'\(text)'") is not one of: \(spec.choices.joined(separator: ", "))"
        }
        return nil
    }
}
