import AlertPlugin
import AvalaAPI
import BotEngine
import BotKit
import ExecPlugin
import ExportPlugin
import ForwardPlugin
import Foundation
import InvitePlugin
import LogPlugin
import WebhookListener

/// Everything a config file yields: the typed sections, the compiled rules, the plugins, and every
/// diagnostic found on the way (all of them, not just the first).
struct LoadedConfiguration: Sendable {
    var file: String
    var configuration: BotConfiguration
    var rules: RuleSet
    var plugins: [String: any BotPlugin]
    var diagnostics: [ConfigDiagnostic]
    /// Environment variables the file refers to with `${NAME}`.
    var variables: Set<String>
    /// What a deployment must provide besides the file's own `${NAME}`s: `AVALA_API_KEY` without
    /// `api.api_key`, `AVALA_WEBHOOK_SECRET` for a listener path without `verify.secrets`.
    var implicitVariables: Set<String> = []
    /// The files the config takes values from (`${file:/run/secrets/key}`).
    var referencedFiles: Set<String> = []
    /// Files the bot reads where it runs, by key path (`plugins.invite.roster.file`): `check-config
    /// --no-env` lists them, as it cannot read them.
    var deploymentFiles: [String: String] = [:]
    /// The located tree the sections were read from (references resolved): a reload names the keys
    /// that changed from it.
    var root: ConfigNode?
    /// With ``ConfigLoader/resolveAvailableReferences``: the references left as written, and why.
    var unsetReferences: [ConfigDiagnostic] = []

    var errors: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .error } }

    /// The plugins the config uses or configures, sorted: those built, and those a rule names or a
    /// section configures (a plugin whose config holds an unresolved `${…}` may not be built).
    var pluginNames: [String] {
        let configured = configuration.plugins?.entries?.map(\.key) ?? []
        return Set(plugins.keys).union(rules.usedPlugins).union(configured).sorted()
    }
    var warnings: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .warning } }

    /// The values `${…}` references gave at or below the key path `path` (`plugins.invite`, `store`), each
    /// with its reference as written; none when the config has nothing there.
    func referencedValues(at path: String) -> [(value: String, reference: String)] {
        guard let node = root?.node(atKeyPath: path) else { return [] }
        return ConfigSource.Loaded.Redactor.references(in: node).map { ($0.value, $0.reference) }
    }

    /// `text` with every value a reference gave of 8 characters or more put back as the reference, for
    /// output that shows resolved values (``ConfigSource/Loaded/redacted(_:)-(String)``).
    func redacted(_ text: String) -> String {
        guard let root else { return text }
        return ConfigSource.Loaded(root: root, variables: []).redacted(text)
    }
}

/// Loads and checks a config file: YAML → located tree → references → typed sections, rules, plugins.
struct ConfigLoader {
    /// The built-in plugins.
    static let availablePlugins: [any BotPlugin.Type] = [
        AlertPlugin.self, ExecPlugin.self, ExportPlugin.self, ForwardPlugin.self, InvitePlugin.self, LogPlugin.self,
    ]

    var environment: [String: String] = ProcessInfo.processInfo.environment
    /// The plugins rules may use; tests add their own.
    var plugins: [any BotPlugin.Type] = ConfigLoader.availablePlugins
    /// `--no-env`: leave `${…}` unresolved and only list the variables.
    var resolveReferences = true
    /// `simulate`: resolve each reference the environment (or its file) gives, as `run` does, and leave
    /// the others as written without an error (``LoadedConfiguration/unsetReferences``). The checks that
    /// need the deployment behave as with ``resolveReferences`` off.
    var resolveAvailableReferences = false
    /// Check what exists only where the bot runs: the listener's certificate files and an API key
    /// (`check-config` with its environment, and SIGHUP's reload). Off for `--no-env` (the paths may be
    /// the deployment's), for `run`'s first load (the assembly reads the same files and says why it
    /// cannot start) and for tests of the file alone.
    var checkDeployment = false

    func load(path: String) -> LoadedConfiguration {
        let source = referenceSource
        do {
            let loaded = try source.load(path: path)
            return check(loaded, file: path)
        } catch {
            return LoadedConfiguration(
                file: path,
                configuration: BotConfiguration(),
                rules: RuleSet.empty,
                plugins: [:],
                diagnostics: [error],
                variables: []
            )
        }
    }

    func load(yaml: String, file: String) -> LoadedConfiguration {
        let source = referenceSource
        do {
            return check(try source.parse(yaml, file: file), file: file)
        } catch {
            return LoadedConfiguration(
                file: file,
                configuration: BotConfiguration(),
                rules: RuleSet.empty,
                plugins: [:],
                diagnostics: [error],
                variables: []
            )
        }
    }

    private var referenceSource: ConfigSource {
        let lenient = resolveAvailableReferences && !resolveReferences
        return ConfigSource(environment: environment, resolveReferences: resolveReferences || lenient, keepUnresolvable: lenient)
    }

    private func check(_ loaded: ConfigSource.Loaded, file: String) -> LoadedConfiguration {
        var diagnostics = loaded.unresolved
        // Every key that fails is reported and keeps its default, so one run lists all of them.
        let (decoded, decodingDiagnostics) = ConfigNodeDecoder.decodeCollectingErrors(BotConfiguration.self, from: loaded.root)
        diagnostics += decodingDiagnostics
        var configuration = decoded ?? BotConfiguration()
        if decoded == nil {
            // The rules are still checked, so one run reports problems in both.
            configuration.rules = loaded.root["rules"]
            configuration.plugins = loaded.root["plugins"]
        }
        let (rules, ruleDiagnostics) = RuleSet.compile(configuration.rules, plugins: plugins)
        diagnostics += ruleDiagnostics
        // The plugins of rules that did not compile count as used too: their sections and the names the
        // rules give them are still checked in the same run.
        let firstUses = Self.firstUses(in: configuration.rules)
        let plugins = PluginConfigValidator.load(
            configuration.plugins,
            available: plugins,
            used: rules.usedPlugins.union(firstUses.keys),
            usedAt: firstUses,
            ruleReferences: Self.referencedValuesInActions(configuration.rules)
        )
        diagnostics += plugins.diagnostics
        diagnostics += LiteralParameterCheck.diagnostics(rules: configuration.rules, plugins: plugins.plugins, setAside: plugins.setAside)
        diagnostics += Self.crossChecks(rules: rules, plugins: configuration.plugins)
        diagnostics += Self.silenceChecks(configuration.plugins?["alert"]?["silences"], now: Date())
        diagnostics += environmentDefaults(&configuration, root: loaded.root)
        diagnostics += listenerChecks(configuration, root: loaded.root)
        diagnostics += rosterFileChecks(root: loaded.root, invite: plugins.plugins[InvitePlugin.name] as? InvitePlugin)
        diagnostics += storeFileChecks(configuration.store.sqlite, root: loaded.root)
        if let warning = configuration.pollers.budgetWarning(
            requestsPerMinute: configuration.api.requestsPerMinute,
            following: Set(
                rules.rules(running: "export", action: "create", alwaysSetting: "follow", byDefault: false)
                    + rules.rules(running: "export", action: "retry_failed", alwaysSetting: "follow", byDefault: true)
            ).sorted(),
            at: loaded.root["pollers"]?.location
        ) {
            diagnostics.append(warning)
        }
        if checkDeployment, resolveReferences, configuration.api.apiKey == nil {
            // `run` would stop at once: no call to Avala can be made without a key.
            diagnostics.append(
                ConfigDiagnostic(at: nil, path: "AVALA_API_KEY", "is not set, and api.api_key is not in the config: set one of them")
            )
        }
        if loaded.root.entries?.isEmpty ?? true {
            // Valid, but a bot that does nothing; and what a file rewritten in place looks like half-way,
            // which a reload refuses (ConfigReloader.emptyConfig): said here too, so the two agree.
            diagnostics.append(
                ConfigDiagnostic(
                    .warning,
                    at: nil,
                    path: file,
                    "has no section: the bot would do nothing, and a reload refuses such a file; to run without rules, write `rules: []`"
                )
            )
        }
        diagnostics.sort { ($0.location?.line ?? 0, $0.path) < ($1.location?.line ?? 0, $1.path) }
        // Two checks may see one fault (the rule compiler and its plugin, a bad duration): say it once.
        var seen: Set<ConfigDiagnostic> = []
        diagnostics = diagnostics.filter { seen.insert($0).inserted }
        let redactor = loaded.redactor
        for index in diagnostics.indices { diagnostics[index].message = redactor.redacted(diagnostics[index]) }
        return LoadedConfiguration(
            file: file,
            configuration: configuration,
            rules: rules,
            plugins: plugins.plugins,
            diagnostics: diagnostics,
            variables: loaded.variables,
            implicitVariables: Self.implicitVariables(configuration),
            referencedFiles: Set(Self.fileReferences(in: loaded.root)),
            deploymentFiles: Self.deploymentFiles(in: loaded.root),
            root: loaded.root,
            unsetReferences: loaded.unset
        )
    }

    /// The environment defaults the config relies on (CONFIG.md, "Environment defaults").
    static func implicitVariables(_ configuration: BotConfiguration) -> Set<String> {
        var variables: Set<String> = []
        if configuration.api.apiKey == nil { variables.insert("AVALA_API_KEY") }
        if let listener = configuration.listener {
            let verifications = listener.paths.map { $0.map(\.verify) } ?? [listener.verify]
            if verifications.contains(where: { $0?.scheme != "none" && $0?.secrets == nil }) { variables.insert("AVALA_WEBHOOK_SECRET") }
        }
        return variables
    }

    /// The files the bot reads where it runs, other than `${file:…}`s, by key path: the listener's TLS
    /// files and the roster. A path written as a reference is left to the variables' list.
    static func deploymentFiles(in root: ConfigNode) -> [String: String] {
        var files: [String: String] = [:]
        func add(_ node: ConfigNode?, _ path: String) {
            guard let node, !node.isUnresolvedReference, let text = node.text, !text.isEmpty else { return }
            files[path] = text
        }
        for key in ["cert", "key", "client_ca"] { add(root["listener"]?["tls"]?[key], "listener.tls.\(key)") }
        add(root["plugins"]?["invite"]?["roster"]?["file"], "plugins.invite.roster.file")
        return files
    }

    /// The roster file, read as the reconcile will (with ``checkDeployment``: it may exist only where the
    /// bot runs). Without this a missing file showed up only as the first scheduled reconcile's dead letter.
    /// With the environment, as `run` will: a `store.sqlite` that is another application's database is
    /// refused here too (a missing file is a new store).
    private func storeFileChecks(_ path: String, root: ConfigNode) -> [ConfigDiagnostic] {
        guard checkDeployment, resolveReferences, root["store"]?["sqlite"]?.isUnresolvedReference != true, !path.isEmpty else { return [] }
        do {
            try SQLiteEventStore.refuseForeignDatabase(at: path)
            return []
        } catch {
            let message = (error as? SQLiteEventStoreError)?.message ?? "\(error)"
            return [ConfigDiagnostic(at: root["store"]?["sqlite"]?.location ?? root["store"]?.location, path: "store.sqlite", message)]
        }
    }

    /// With the loaded `invite` plugin, addresses outside its `allowed_domains` are named too.
    private func rosterFileChecks(root: ConfigNode, invite: InvitePlugin?) -> [ConfigDiagnostic] {
        guard checkDeployment, resolveReferences, let node = root["plugins"]?["invite"]?["roster"]?["file"], !node.isUnresolvedReference,
            let path = node.text, !path.isEmpty
        else { return [] }
        let problems = invite?.rosterFileProblems(atPath: path) ?? InvitePlugin.rosterFileProblems(atPath: path)
        return problems.map {
            ConfigDiagnostic($0.isWarning ? .warning : .error, at: node.location, path: "plugins.invite.roster.file", $0.description)
        }
    }

    /// The paths of every `${file:…}` in the tree.
    static func fileReferences(in node: ConfigNode) -> [String] {
        switch node {
        case .scalar:
            // A malformed reference (`${file:}`), already an error, names no file.
            guard let written = node.reference, case .file(let path)? = ConfigReference(written) else { return [] }
            return [path]
        case .mapping(let entries, _): return entries.flatMap { fileReferences(in: $0.value) }
        case .sequence(let items, _): return items.flatMap { fileReferences(in: $0) }
        }
    }

    /// Where a `do:` entry first names each plugin (`rules[2].do[0].invite`).
    static func firstUses(in rules: ConfigNode?) -> [String: (location: SourceLocation, path: String)] {
        var uses: [String: (location: SourceLocation, path: String)] = [:]
        for (ruleIndex, rule) in (rules?.items ?? []).enumerated() {
            for (actionIndex, item) in (rule["do"]?.items ?? []).enumerated() {
                guard let entry = item.entries?.first else { continue }
                let plugin = String(entry.key.split(separator: ".", maxSplits: 1).first ?? "")
                if uses[plugin] == nil { uses[plugin] = (entry.keyLocation, "rules[\(ruleIndex)].do[\(actionIndex)].\(entry.key)") }
            }
        }
        return uses
    }

    /// By plugin, the values rules' actions take from resolved `${…}` references (a token in an exec
    /// action's `args`): the plugin keeps them out of what it reports, as it does its own section's.
    static func referencedValuesInActions(_ rules: ConfigNode?) -> [String: Set<String>] {
        var values: [String: Set<String>] = [:]
        for rule in rules?.items ?? [] {
            for item in rule["do"]?.items ?? [] {
                guard let entry = item.entries?.first else { continue }
                let plugin = String(entry.key.split(separator: ".", maxSplits: 1).first ?? "")
                values[plugin, default: []].formUnion(PluginConfigValidator.resolvedReferences(in: entry.value))
            }
        }
        return values.filter { !$0.value.isEmpty }
    }

    /// What neither a plugin's settings nor a rule shows alone: settings that rules contradict or leave
    /// without effect.
    static func crossChecks(rules: RuleSet, plugins: ConfigNode?) -> [ConfigDiagnostic] {
        var diagnostics: [ConfigDiagnostic] = []
        if let shape = plugins?["export"]?["request_shape"] {
            func add(_ message: String, _ severity: ConfigDiagnostic.Severity = .error) {
                diagnostics.append(ConfigDiagnostic(severity, at: shape.location, path: "plugins.export.request_shape", message))
            }
            /// The rules whose export sets `parameter`, as a message names them (`rule a`, `rules a, b`).
            func setting(_ parameter: String) -> (names: String, one: Bool)? {
                let found = rules.rules(running: "export", action: "create", with: parameter)
                guard !found.isEmpty else { return nil }
                return ("rule\(found.count == 1 ? "" : "s") \(found.joined(separator: ", "))", found.count == 1)
            }
            if shape.text == "sdk", let format = setting("format") {
                add("sdk cannot carry a format, but \(format.names) set\(format.one ? "s" : "") one: remove format there or use request_shape docs")
            }
            if shape.text == "project", let dataset = setting("dataset") {
                add("project exports projects only, but \(dataset.names) export a dataset: use request_shape docs")
            }
            if shape.text == "project", let name = setting("name") {
                add("project sends only the format, so the name \(name.names) give is not sent: use request_shape docs to send it", .warning)
            }
        }
        if let every = plugins?["invite"]?["roster"]?["every"], let text = every.text, (try? ConfigDuration.parse(text)) == .zero {
            // The schedule would never be set up, and nothing would say so.
            diagnostics.append(ConfigDiagnostic(at: every.location, path: "plugins.invite.roster.every", "must be longer than 0s"))
        }
        if let every = plugins?["invite"]?["roster"]?["every"], rules.rules(running: "invite", action: "reconcile").isEmpty {
            diagnostics.append(
                ConfigDiagnostic(
                    .warning,
                    at: every.location,
                    path: "plugins.invite.roster.every",
                    "raises bot.roster.due, but no rule runs invite.reconcile: add one with `on: bot.roster.due` and `- invite.reconcile: {}`"
                )
            )
        }
        return diagnostics
    }

    /// Config silences that hold nothing back, as warnings: one whose `until` is past (not an error: a
    /// config that was right when written must not stop loading as it ages), and a matcher path no event
    /// carries (as `silences add` warns). A silence the plugin refuses is reported by the plugin.
    static func silenceChecks(_ silences: ConfigNode?, now: Date) -> [ConfigDiagnostic] {
        var diagnostics: [ConfigDiagnostic] = []
        for (index, item) in (silences?.items ?? []).enumerated() {
            let path = "plugins.alert.silences[\(index)]"
            for entry in item["matchers"]?.entries ?? [] where AlertSilence.pathProblem(entry.key) == nil {
                guard let problem = EventBodyKeys.neverCarried(entry.key) else { continue }
                diagnostics.append(
                    ConfigDiagnostic(
                        .warning,
                        at: entry.keyLocation,
                        path: "\(path).matchers.\(entry.key)",
                        "\(problem), so no alert's event matches it"
                    )
                )
            }
            guard let until = item["until"], !until.isUnresolvedReference, let text = until.text, let end = try? AlertSilence.until(text),
                end <= now
            else { continue }
            diagnostics.append(
                ConfigDiagnostic(
                    .warning,
                    at: until.location,
                    path: "\(path).until",
                    "\(text) is past, so this silence holds nothing back: remove it"
                )
            )
        }
        return diagnostics
    }

    /// Settings the listener accepts that leave it open: a path without verification that every address
    /// can reach, secrets a `none` path never checks, and a trusted proxy range that covers every
    /// address (any client could then name itself in `X-Forwarded-For`).
    static func listenerRisks(_ section: ListenerSection, node: ConfigNode?) -> [ConfigDiagnostic] {
        var diagnostics: [ConfigDiagnostic] = []
        let entries: [(key: String, verify: ListenerSection.VerifySection?)] =
            section.paths.map { paths in paths.enumerated().map { ("paths[\($0)].verify", $1.verify) } } ?? [("verify", section.verify)]
        for (key, verify) in entries where verify?.scheme == "none" {
            let at = Self.node(at: key, in: node)?.location ?? node?.location
            if !(verify?.secrets ?? []).isEmpty {
                diagnostics.append(
                    ConfigDiagnostic(
                        .warning,
                        at: at,
                        path: "listener.\(key).secrets",
                        "scheme none checks no signature, so these secrets are not used"
                    )
                )
            }
            // A range of every address (0.0.0.0/0) limits nothing.
            if !(section.allowCIDRs ?? []).contains(where: { !$0.hasSuffix("/0") }) {
                diagnostics.append(
                    ConfigDiagnostic(
                        .warning,
                        at: at,
                        path: "listener.\(key).scheme",
                        "none: anyone who reaches the listener can deliver events here; limit it with listener.allow_cidrs, or use a signature scheme"
                    )
                )
            }
        }
        for (index, cidr) in (section.trustedProxies ?? []).enumerated() where cidr.hasSuffix("/0") {
            diagnostics.append(
                ConfigDiagnostic(
                    .warning,
                    at: Self.node(at: "trusted_proxies[\(index)]", in: node)?.location ?? node?.location,
                    path: "listener.trusted_proxies[\(index)]",
                    "\(cidr) trusts every address as a proxy: any client can name another address in X-Forwarded-For and pass allow_cidrs and the per-IP limit; list only your proxies"
                )
            )
        }
        return diagnostics
    }

    /// Webhook secrets too short to resist guessing, as warnings (not errors: a config that works must keep
    /// loading), each at its key (`listener.paths[1].verify.secrets[0]`), or as `AVALA_WEBHOOK_SECRET`
    /// when that fills a path's secrets. A message never holds a secret, nor its length.
    static func shortSecrets(_ listener: WebhookListenerConfiguration, section: ListenerSection, node: ConfigNode?) -> [ConfigDiagnostic] {
        var diagnostics: [ConfigDiagnostic] = []
        var defaultIsShort = false
        let advice =
            "a secret this short can be guessed from one signed delivery: use \(WebhookVerification.recommendedKeyBytes) random bytes or more (openssl rand -hex 32)"
        for (pathIndex, path) in listener.paths.enumerated() {
            let short = path.verification.shortSecretIndices
            guard !short.isEmpty else { continue }
            let written: [SecretString]?
            if let paths = section.paths {
                written = paths.indices.contains(pathIndex) ? paths[pathIndex].verify?.secrets : nil
            } else {
                written = section.verify?.secrets
            }
            let what =
                path.verification.scheme == .standardWebhooks
                ? "decodes to a key shorter than \(WebhookVerification.recommendedKeyBytes) bytes"
                : "is shorter than \(WebhookVerification.recommendedKeyBytes) bytes"
            guard written != nil else {
                defaultIsShort = true
                continue
            }
            let base = section.paths == nil ? "verify" : "paths[\(pathIndex)].verify"
            for index in short {
                let key = "\(base).secrets[\(index)]"
                diagnostics.append(
                    ConfigDiagnostic(
                        .warning,
                        at: Self.node(at: key, in: node)?.location ?? node?.location,
                        path: "listener.\(key)",
                        "\(what): \(advice)"
                    )
                )
            }
        }
        if defaultIsShort {
            diagnostics.append(
                ConfigDiagnostic(
                    .warning,
                    at: nil,
                    path: "AVALA_WEBHOOK_SECRET",
                    "is shorter than \(WebhookVerification.recommendedKeyBytes) bytes (as the key of the listener paths it serves): \(advice)"
                )
            )
        }
        return diagnostics
    }

    /// What the listener would refuse when it starts (secrets that do not suit their scheme, no secret at
    /// all, CIDRs, reserved or repeated paths), so `check-config` reports it instead of `run` failing.
    /// Certificate files are read only with ``checkDeployment``: they may exist only where the bot runs.
    private func listenerChecks(_ configuration: BotConfiguration, root: ConfigNode) -> [ConfigDiagnostic] {
        guard let section = configuration.listener else { return [] }
        var diagnostics: [ConfigDiagnostic] = []
        // A delivery id is unique per sender only: two paths with one source share the key namespace,
        // so an id seen on one path makes the other path's delivery of that id a duplicate.
        var pathsBySource: [String: [String]] = [:]
        for path in section.paths ?? [] where !(pathsBySource[path.source ?? "avala"] ?? []).contains(path.path) {
            pathsBySource[path.source ?? "avala", default: []].append(path.path)
        }
        for (source, paths) in pathsBySource.sorted(by: { $0.key < $1.key }) where paths.count > 1 {
            diagnostics.append(
                ConfigDiagnostic(
                    .warning,
                    at: root["listener"]?["paths"]?.location,
                    path: "listener.paths",
                    "\(paths.joined(separator: ", ")) share source '\(source)', so their delivery ids share one namespace (an id seen on one is a duplicate on the other): give each sender its own source"
                )
            )
        }
        // Values to come stand in for the references; everything written out is checked. (A reference
        // the environment could not resolve is reported already, and left unresolved.)
        var checked = section.withPlaceholdersForReferences()
        let node = root["listener"]
        do {
            _ = try WebhookListenerConfiguration.parseBind(checked.bind)
        } catch {
            diagnostics.append(ConfigDiagnostic(at: node?["bind"]?.location ?? node?.location, path: "listener.bind", error.message))
            checked.bind = "0.0.0.0:8443"
        }
        let listener: WebhookListenerConfiguration
        do {
            listener =
                resolveReferences
                ? try checked.listenerConfiguration(environment: environment)
                : try checked.listenerConfiguration(defaultSecret: ListenerSection.placeholderSecret)
        } catch let error as WebhookListenerError {
            return diagnostics + [ConfigDiagnostic(at: node?.location, path: "listener", error.message)]
        } catch {
            return diagnostics + [ConfigDiagnostic(at: node?.location, path: "listener", "\(error)")]
        }
        // Every problem, not the first; neither tls nor plain_http is reported by the section's decoding.
        for problem in listener.problems() where !problem.key.isEmpty {
            // `listener.path` and `listener.verify` are the shorthand of one `paths` entry.
            var key = problem.key
            if section.paths == nil, key.hasPrefix("paths[0].") { key = String(key.dropFirst("paths[0].".count)) }
            diagnostics.append(
                ConfigDiagnostic(at: Self.node(at: key, in: node)?.location ?? node?.location, path: "listener.\(key)", problem.error.message)
            )
        }
        diagnostics += Self.listenerRisks(section, node: node)
        diagnostics += Self.shortSecrets(listener, section: section, node: node)
        if checkDeployment, resolveReferences, let tls = listener.tls {
            let problems = tls.fileProblems().filter { node?["tls"]?[$0.key]?.isUnresolvedReference != true }
            for problem in problems {
                let keyNode = node?["tls"]?[problem.key] ?? node?["tls"]
                diagnostics.append(ConfigDiagnostic(at: keyNode?.location ?? node?.location, path: "listener.tls.\(problem.key)", problem.message))
            }
            // The running listener's warning, said before a deploy: the file is fine for now, so not an error.
            if !problems.contains(where: { $0.key == "cert" }), node?["tls"]?["cert"]?.isUnresolvedReference != true,
                let warning = tls.expiryWarning()
            {
                let keyNode = node?["tls"]?["cert"] ?? node?["tls"]
                diagnostics.append(ConfigDiagnostic(.warning, at: keyNode?.location ?? node?.location, path: "listener.tls.cert", warning.message))
            }
        }
        return diagnostics
    }

    /// The deepest node that `key` (`paths[1].verify`) reaches below `node`.
    static func node(at key: String, in node: ConfigNode?) -> ConfigNode? {
        var current = node
        for component in key.split(separator: ".") {
            var parts = component.split(separator: "[", omittingEmptySubsequences: false)
            let name = String(parts.removeFirst())
            if !name.isEmpty {
                guard let next = current?[name] else { return current }
                current = next
            }
            for part in parts {
                guard let index = Int(part.dropLast()), let items = current?.items, items.indices.contains(index) else { return current }
                current = items[index]
            }
        }
        return current
    }

    /// `AVALA_API_KEY` and `AVALA_BASE_URL` fill what the config leaves out (`AVALA_WEBHOOK_SECRET` is
    /// applied per listener path when the listener is built).
    private func environmentDefaults(_ configuration: inout BotConfiguration, root: ConfigNode) -> [ConfigDiagnostic] {
        if configuration.api.apiKey == nil, let key = environment["AVALA_API_KEY"], !key.isEmpty {
            configuration.api.apiKey = SecretString(key)
        }
        var fromEnvironment = false
        if configuration.api.baseURL == nil, let base = environment["AVALA_BASE_URL"], !base.isEmpty {
            configuration.api.baseURL = base
            fromEnvironment = true
        }
        var diagnostics: [ConfigDiagnostic] = []
        // The message names the problem, never the key. A reference left unresolved is checked later.
        let keyNode = root["api"]?["api_key"]
        if keyNode?.isUnresolvedReference != true, let key = configuration.api.apiKey,
            let problem = AvalaClientConfiguration.problem(withAPIKey: key.revealed)
        {
            let node = keyNode
            diagnostics.append(ConfigDiagnostic(at: node?.location, path: node == nil ? "AVALA_API_KEY" : "api.api_key", problem))
        }
        guard let base = configuration.api.baseURL else { return diagnostics }
        let node = root["api"]?["base_url"]
        // Left unresolved by `check-config --no-env`: checked once it is resolved.
        if node?.isUnresolvedReference == true { return diagnostics }
        do {
            _ = try BaseURL(base, allowInsecureHTTP: BaseURL.insecureAllowed(environment: environment))
        } catch {
            // Not in the file: the user must look for the variable, not for a key.
            if fromEnvironment {
                diagnostics.append(ConfigDiagnostic(at: nil, path: "AVALA_BASE_URL", error.message))
            } else {
                diagnostics.append(ConfigDiagnostic(at: node?.location, path: "api.base_url", error.message))
            }
        }
        return diagnostics
    }
}
