import BotEngine
import BotKit
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals
import WebhookListener

/// SIGHUP: reload the config file and the listener's certificates while the bot runs.
///
/// The new config is checked in full first; with any error the running one stays and the log lists why.
/// Rules and plugin settings (receivers, silences, allowed domains, …) take effect at once; the
/// certificates and the client CA bundle are read again (from the paths the listener started with) for
/// the next connections, and a listener whose verification alone changed (a rotated webhook secret)
/// verifies with the new one from the next request. Sections that shape the running services (api,
/// listener, pollers, store, dispatcher, log, and the invite roster's schedule) are compared with what
/// runs and, when they differ, the log says a restart is needed.
final class ConfigReloader: Service, Sendable {
    let path: String
    let loader: ConfigLoader
    let dispatcher: Dispatcher
    let listener: WebhookListener?
    let logger: Logger
    private let applied: Mutex<LoadedConfiguration>
    /// The sections the services run with: those of the config at start, except for what a reload
    /// applied to them (the listener's verification). Reloads compare with this, not with the last file
    /// loaded, so a change waiting for a restart is reported at every reload until it is undone.
    private let running: Mutex<BotConfiguration>
    /// The file's tree the running sections were read from, to name the keys a restart would apply.
    private let runningRoot: ConfigNode?

    init(
        path: String,
        loaded: LoadedConfiguration,
        loader: ConfigLoader = ConfigLoader(),
        dispatcher: Dispatcher,
        listener: WebhookListener?,
        logger: Logger
    ) {
        self.path = path
        // Valid means valid for `run`: the listener's TLS files, the API key, the roster file and the
        // store are checked as `check-config` checks them with its environment, so a reload never takes a
        // config that the next start would refuse.
        var loader = loader
        loader.checkDeployment = true
        self.loader = loader
        self.dispatcher = dispatcher
        self.listener = listener
        self.logger = logger
        applied = Mutex(loaded)
        running = Mutex(loaded.configuration)
        runningRoot = loaded.root
    }

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            _ = reload()
        }
    }

    /// What a reload did, for the log and for tests.
    struct Outcome: Equatable, Sendable {
        var applied: Bool
        var restartNeeded: [String] = []
        /// The keys behind ``restartNeeded`` (`listener.max_body`); a section whose change is not in the
        /// file (an environment default) is named by itself.
        var restartNeededKeys: [String] = []
        var certificatesReloaded = false
        /// The client CA bundle (`listener.tls.client_ca`, mTLS) was read again and verifies new connections.
        var clientCAReloaded = false
        /// The listener's secrets (or scheme, tolerance) changed and were applied without a restart.
        var verificationReloaded = false
        var problems: [String] = []
    }

    @discardableResult
    func reload() -> Outcome {
        var outcome = Outcome(applied: false)
        let unreadable = Self.notReadableAgain(path)
        var read = unreadable == nil ? loader.load(path: path) : nil
        if let loaded = read, loaded.errors.isEmpty, let empty = Self.emptyConfig(loaded, path: path) {
            read?.diagnostics.append(empty)
        }
        if let loaded = read, loaded.errors.isEmpty {
            // As at start: what loads but is likely a mistake (a template path the events never carry).
            // A running listener says its certificate's near end itself at this reload (with the file it
            // serves): the same from the config check would only say it twice.
            for warning in loaded.warnings where listener == nil || warning.path != "listener.tls.cert" {
                logger.warning("Config warning", metadata: ["config.problem": "\(warning)"])
            }
            let previous = applied.withLock { $0 }
            let ruleChanges = Self.ruleChanges(from: previous.configuration.rules, to: loaded.configuration.rules)
            let changedPlugins = Self.changedPluginSections(from: previous.configuration.plugins, to: loaded.configuration.plugins)
            // Plugins first, keeping the old ones until the new rules are in, so no rule ever names a
            // plugin that is not loaded.
            dispatcher.host.replace(with: previous.plugins.merging(loaded.plugins) { _, new in new })
            dispatcher.rules.replace(with: loaded.rules)
            dispatcher.host.replace(with: loaded.plugins)
            applied.withLock { $0 = loaded }
            outcome.applied = true
            let current = running.withLock { $0 }
            outcome.restartNeeded = Self.sectionsNeedingRestart(current, loaded.configuration)
            if outcome.restartNeeded.contains("listener"), let verified = reloadVerification(from: current, to: loaded.configuration) {
                outcome.verificationReloaded = true
                running.withLock { $0.listener = verified }
                // Whatever else changed in `listener` still waits for a restart.
                if verified == loaded.configuration.listener { outcome.restartNeeded.removeAll { $0 == "listener" } }
            }
            var metadata: Logger.Metadata = [
                "config": "\(path)", "rules.count": "\(loaded.rules.count)",
                "plugins": "\(loaded.plugins.keys.sorted().joined(separator: ","))",
            ]
            for (key, value) in ruleChanges.metadata { metadata[key] = "\(value)" }
            if !changedPlugins.isEmpty { metadata["plugins.changed"] = "\(changedPlugins.joined(separator: ","))" }
            // Said outright, so that a reload that found the edit missing (a file saved elsewhere, an
            // editor's swap file) is not mistaken for one that applied it.
            if ruleChanges == RuleChanges(), changedPlugins.isEmpty { metadata["config.applied"] = "none: rules and plugins unchanged" }
            logger.notice("Config reloaded", metadata: metadata)
            if !outcome.restartNeeded.isEmpty {
                outcome.restartNeededKeys = Self.changedKeys(
                    in: outcome.restartNeeded,
                    from: runningRoot,
                    to: loaded.root,
                    // Verification is never waiting for a restart: a reload applies it (above, or at an
                    // earlier reload, which the running tree does not show), or logs why it could not.
                    skippingVerification: true
                )
                logger.warning(
                    "These config sections changed but apply only after a restart",
                    metadata: [
                        "config.sections": "\(outcome.restartNeeded.joined(separator: ","))",
                        "config.keys": "\(outcome.restartNeededKeys.joined(separator: ","))",
                    ]
                )
            }
            // The listener re-reads its TLS files from the paths it started with, the client CA as well as
            // the certificate and key: a new `client_ca` path (or mTLS turned on or off) waits for a
            // restart like the rest of `listener`. Following the new path alone would leave the listener
            // partly on the new config, which the restart report above cannot describe, and turning mTLS
            // off must never be a side effect of a reload. Named here because, until the restart, the
            // file at the old path is what every reload reads.
            if listener != nil, let runningSection = current.listener, let configuredSection = loaded.configuration.listener,
                runningSection.tls?.clientCA != configuredSection.tls?.clientCA
            {
                let runningClientCA = runningSection.tls?.clientCA
                let configuredClientCA = configuredSection.tls?.clientCA
                logger.warning(
                    "listener.tls.client_ca changed; clients are verified against the bundle at the running path until a restart",
                    metadata: [
                        "tls.client_ca.running": "\(runningClientCA ?? "none (mTLS off)")",
                        "tls.client_ca.configured": "\(configuredClientCA ?? "none (mTLS off)")",
                    ]
                )
            }
        } else {
            outcome.problems = unreadable.map { [$0] } ?? read?.errors.map(\.description) ?? []
            logger.error(
                "Config reload refused; the running config stays",
                metadata: ["config": "\(path)", "config.errors": "\(outcome.problems.joined(separator: " | "))"]
            )
        }
        do {
            outcome.certificatesReloaded = try listener?.reloadCertificates() ?? false
        } catch {
            outcome.problems.append("\(error)")
            logger.error("Certificate reload failed; the listener keeps its current certificate", metadata: ["error": "\(error)"])
        }
        // Apart from the certificate: a broken certificate must not hold back a new bundle, nor the reverse.
        do {
            outcome.clientCAReloaded = try listener?.reloadClientCA() ?? false
        } catch {
            outcome.problems.append("\(error)")
            logger.error(
                "Client CA reload failed; the listener keeps verifying clients against its current bundle",
                metadata: ["error": "\(error)"]
            )
        }
        return outcome
    }

    /// Why the config at `path` cannot be read again, or nil: one read from a pipe or a device (`--config
    /// /dev/stdin`, a shell's `<(…)`) was read at start, and what a second read gets (nothing, an empty
    /// config of no rules) is not the config. A path that is not there is left to the loader to report.
    static func notReadableAgain(_ path: String) -> String? {
        // Links followed: a ConfigMap mounts the file as a link to a regular file.
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let type = (try? FileManager.default.attributesOfItem(atPath: target))?[.type] as? FileAttributeType,
            type != .typeRegular
        else { return nil }
        return "\(path) is not a regular file (a pipe or a device), so it cannot be read again: restart to change the config"
    }

    /// Why a config with no section at all is refused at a reload, or nil. Valid for `check-config`,
    /// such a file is what an editor or a deploy leaves while it writes the file in place (truncated,
    /// then filled): applying it would drop every rule and plugin setting of the running bot at once.
    /// `rules: []` is a section, so a bot can still be emptied on purpose.
    static func emptyConfig(_ loaded: LoadedConfiguration, path: String) -> ConfigDiagnostic? {
        guard loaded.root?.entries?.isEmpty ?? true else { return nil }
        return ConfigDiagnostic(
            at: nil,
            path: path,
            "has no section (an empty file, or one being written?): a reload would drop every rule; to run without rules, write `rules: []`"
        )
    }

    /// A listener whose verification changed (a rotated secret) takes the new one at once, for the paths
    /// it serves, even when other listener settings changed too and wait for a restart: a rotation must
    /// not wait behind an unrelated change.
    /// - Returns: the running section with the new verification, or nil when there was none to apply.
    private func reloadVerification(from old: BotConfiguration, to new: BotConfiguration) -> ListenerSection? {
        guard let listener, let oldSection = old.listener, let newSection = new.listener else { return nil }
        let verified = oldSection.replacingVerification(with: newSection)
        guard verified != oldSection else { return nil }
        do {
            try listener.reloadVerification(try verified.listenerConfiguration(environment: loader.environment).paths)
            return verified
        } catch {
            logger.error("Webhook verification not reloaded; the listener keeps its secrets", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// The keys under `sections` whose values differ between the two trees, as key paths
    /// (`listener.max_body`, `listener.paths[1].path`); never the values, which may be secrets. A section
    /// that changed without a key of the file changing (an environment default) is named by itself.
    static func changedKeys(in sections: [String], from old: ConfigNode?, to new: ConfigNode?, skippingVerification: Bool = false) -> [String] {
        func node(_ root: ConfigNode?, _ section: String) -> JSON? {
            section.split(separator: ".").reduce(root) { current, key in current?[String(key)] }?.json
        }
        func diff(_ old: JSON?, _ new: JSON?, _ path: String) -> [String] {
            if old == new { return [] }
            if case .object(let before)? = old, case .object(let after)? = new {
                return Set(before.keys).union(after.keys).sorted().flatMap { diff(before[$0], after[$0], "\(path).\($0)") }
            }
            if case .array(let before)? = old, case .array(let after)? = new, before.count == after.count {
                return before.indices.flatMap { diff(before[$0], after[$0], "\(path)[\($0)]") }
            }
            return [path]
        }
        return sections.flatMap { section in
            var keys = diff(node(old, section), node(new, section), section)
            if skippingVerification, section == "listener" {
                keys.removeAll { key in key.hasPrefix("listener.verify") || key.contains(".verify.") || key.hasSuffix(".verify") }
            }
            return keys.isEmpty ? [section] : keys
        }
    }

    /// The sections whose change needs a restart, compared by value: a rotated secret (the API key, a
    /// webhook secret) counts as a change too, though the log names only the section, never the value.
    static func sectionsNeedingRestart(_ old: BotConfiguration, _ new: BotConfiguration) -> [String] {
        var changed: [String] = []
        if old.api != new.api { changed.append("api") }
        if old.listener != new.listener { changed.append("listener") }
        if old.pollers != new.pollers { changed.append("pollers") }
        if old.store != new.store { changed.append("store") }
        if old.dispatcher != new.dispatcher { changed.append("dispatcher") }
        if old.log != new.log { changed.append("log") }
        // The roster's schedule (what `bot.roster.due` carries, and how often) is set up at start; the rest
        // of the roster's settings (role, remove_extras) reach the plugin at once, like all plugin settings.
        func schedule(_ configuration: BotConfiguration) -> [JSON?] {
            ["every", "organization", "file"].map { configuration.plugins?["invite"]?["roster"]?[$0]?.json }
        }
        if schedule(old) != schedule(new) { changed.append("plugins.invite.roster") }
        return changed
    }
}
