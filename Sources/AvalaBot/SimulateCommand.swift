import ArgumentParser
import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Logging

/// `avala-bot simulate`: which rules an event matches (and why not), and which actions would run with
/// which parameters. Nothing is performed.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Dry-run an event through the rules: what matches, why not, and what would run.",
        discussion: """
            The event file is {"type": "export.completed", "data": {"export": {…}}} (only type and data are \
            required), or a raw Avala webhook body with --type TYPE, normalized exactly as the listener would. \
            Each matched action's plugin is asked what it would do, in a dry run: its own checks answer (allowed \
            domains, chain depth, configured receivers and targets). Read-only calls (an export's project, whether \
            someone is already a member) are made when an API key is configured; never with --offline.
            """
    )

    @Option(name: .long, help: "The event as JSON.")
    var event: String

    @Option(name: .long, help: "The config file.")
    var config = "config/avala-bot.yaml"

    @Option(name: .long, help: "Treat the file as a raw Avala webhook body of this event type.")
    var type: String?

    @Flag(name: .long, help: "Make no API call at all.")
    var offline = false

    @OptionGroup var logging: LoggingOptions

    /// A `--type` no delivery could have is a bad command line (exit 64), found before any file is read.
    func validate() throws {
        if let type, let problem = EventFile.typeProblem(EventType(rawValue: type)) { throw ValidationError(problem) }
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "avala-bot.simulate", defaultLevel: .warning)
        var loader = ConfigLoader()
        // The rules must decide as `run`'s would, so every reference the environment gives is resolved; a
        // dry run needs no secrets, so the others stay as written, and are named.
        loader.resolveReferences = false
        loader.resolveAvailableReferences = true
        if let missing = CommandFailure.missingConfig(config) { throw missing }
        let loaded = loader.load(path: config)
        if !loaded.errors.isEmpty {
            for diagnostic in loaded.errors { Console.line(diagnostic.description) }
            throw CommandFailure("the config has errors; run `avala-bot check-config --config \(config)`")
        }
        for unset in loaded.unsetReferences {
            Console.note("note: \(unset.description); left as written, so what depends on it is decided on that text")
        }
        var subject = try EventFile.read(path: event, type: type.map { EventType(rawValue: $0) })
        let storePath = loaded.configuration.store.sqlite
        // A value a reference gave is shown as the reference, however short (SimulationReport says where).
        let shownPath = SimulationReport.replacingReferences(loaded.referencedValues(at: "store.sqlite"), in: storePath)
        let (deeper, chainNote) = await Self.withStoredChainDepth(subject, storePath: storePath, shownPath: shownPath, logger: logger)
        subject = deeper

        let environment = ProcessInfo.processInfo.environment
        var client: AvalaClient?
        if !offline, let (key, base) = try Self.apiAccess(loaded.configuration.api, environment: environment) {
            client = AvalaClient(configuration: AvalaClientConfiguration(baseURL: base, apiKey: key, maxRetries: 1), logger: logger)
        }
        var enrichment =
            offline
            ? "offline: no API call was made; `project` is absent unless the event carries it"
            : "no API key (api.api_key or AVALA_API_KEY), so no API call was made; `project` is absent unless the event carries it"
        if subject.data["export"]?.objectValue == nil {
            // Only an export's project is fetched (PRODUCT.md, Bodies): nothing is missing for other events.
            enrichment = "none: only export events get their project from the API"
        } else if let client {
            let enricher = ProjectEnricher(client: client, logger: logger)
            let before = subject
            let result = await enricher.enrichment(of: subject)
            subject = result.event
            let waiting = loaded.rules.rulesReading(result.unavailable, for: subject)
            if !waiting.isEmpty {
                enrichment =
                    "the API did not answer for \(result.unavailable.joined(separator: ", ")) (its warning is above); `run` would"
                    + " hold the event until it does, as rule\(waiting.count == 1 ? "" : "s") \(waiting.joined(separator: ", "))"
                    + " read\(waiting.count == 1 ? "s" : "") it: what follows is judged without"
            } else {
                enrichment =
                    subject == before
                    ? "nothing to add, or the API did not answer (its warning is above); `project` is absent unless the event carries it"
                    : "project fetched from the API"
            }
        }
        if let chainNote { enrichment += "; \(chainNote)" }
        let throttle = await Self.storedThrottle(rules: loaded.rules, storePath: loaded.configuration.store.sqlite, logger: logger)
        var report = SimulationReport(event: subject, rules: loaded.rules, enrichment: enrichment, throttle: throttle)
        for name in loaded.plugins.keys { report.pluginReferences[name] = loaded.referencedValues(at: "plugins.\(name)") }
        await report.ask(
            PluginPreview(
                plugins: loaded.plugins,
                client: client,
                store: Self.pluginStateStore(at: loaded.configuration.store.sqlite, logger: logger),
                logger: logger
            )
        )
        try? await client?.shutdown()
        // A resolved value in a parameter is shown as the reference it came from; what a plugin or a rule
        // says is guarded for long referenced values.
        Console.line(report.render(guardedBy: loaded.redacted))
    }

    /// `event` with the chain depth the bot recorded for its export (or placed it at by an intent), read
    /// from the config's store when there is one, as `run` gives it (``ChainDepthEnricher``): a raw body
    /// of an export the bot created must meet `max_chain_depth` here as it would there. Read only: nothing
    /// is written, and a store that cannot be read leaves the event as it is, with a warning.
    /// - Parameter shownPath: the store's path as the note names it (its `${…}` reference when it came
    ///   from one); by default the path itself.
    static func withStoredChainDepth(_ event: Event, storePath: String, shownPath: String? = nil, logger: Logger) async -> (Event, note: String?) {
        guard let export = event.chainExport else { return (event, nil) }
        do {
            guard let store = try readOnlyStore(at: storePath, logger: logger) else { return (event, nil) }
            let recorded = try await store.recordedChainDepth(exportUID: export.uid)
            let placed = recorded == nil ? try await ExportChain(store: store).intendedDepth(exportUID: export.uid) : nil
            guard let depth = recorded ?? placed, depth > event.chainDepth else { return (event, nil) }
            var deeper = event
            deeper.chainDepth = depth
            return (
                deeper,
                "chain depth \(depth), as the bot \(recorded == nil ? "placed" : "recorded") export \(export.uid) in \(shownPath ?? storePath)"
            )
        } catch {
            logger.warning(
                "Could not read the export's chain depth from the store; the event keeps the depth it carries",
                metadata: ["store.path": "\(storePath)", "export.uid": "\(export.uid)", "error": "\(error)"]
            )
            return (event, nil)
        }
    }

    /// The rules' throttle windows as the journal in the config's store has them (read only), so that a
    /// rule `run` would hold back is shown throttled; nil without throttles or a store, as for a bot that
    /// has not run yet.
    static func storedThrottle(rules: RuleSet, storePath: String, logger: Logger) async -> RuleThrottle? {
        let limits = rules.throttleLimits
        guard let longest = limits.values.map(\.per).max() else { return nil }
        let now = Date()
        do {
            guard let store = try readOnlyStore(at: storePath, logger: logger) else { return nil }
            let throttle = RuleThrottle()
            _ = throttle.restore(try await store.throttleAdmissions(since: now.addingTimeInterval(-longest.seconds)), limits: limits, now: now)
            return throttle
        } catch {
            logger.warning(
                "Could not read the throttle windows from the store; throttles are shown as open",
                metadata: ["store.path": "\(storePath)", "error": "\(error)"]
            )
            return nil
        }
    }

    /// The config's store, read only, for the plugins' state (``PluginPreview``); nil without one, and
    /// with a warning when it cannot be read.
    static func pluginStateStore(at storePath: String, logger: Logger) -> SQLiteEventStore? {
        do {
            return try readOnlyStore(at: storePath, logger: logger)
        } catch {
            logger.warning(
                "Could not read the plugins' state from the store; plugins are asked as on a first run",
                metadata: ["store.path": "\(storePath)", "error": "\(error)"]
            )
            return nil
        }
    }

    /// The config's store opened read-only, with only its warnings logged; nil when the path is still a
    /// `${…}` or no store is there yet (a bot that has not run).
    private static func readOnlyStore(at storePath: String, logger: Logger) throws -> SQLiteEventStore? {
        guard ConfigReference(storePath) == nil, FileManager.default.fileExists(atPath: storePath) else { return nil }
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        return try SQLiteEventStore(path: storePath, logger: quiet, configuration: .init(readOnly: true))
    }

    /// The API key and base URL enrichment uses, or nil without a key. A reference the config's load
    /// left as written is resolved here as `run` would (a key written `${AVALA_API_KEY}` or `${file:…}`
    /// is the usual case), and the environment's defaults serve where it cannot be.
    static func apiAccess(_ api: APISection, environment: [String: String]) throws -> (SecretString, BaseURL)? {
        let references = ConfigSource(environment: environment)
        let configuredKey = api.apiKey.flatMap { references.resolvedValue($0.revealed) }
        guard let key = configuredKey ?? environment["AVALA_API_KEY"], !key.isEmpty else { return nil }
        let base = try BaseURL(
            api.baseURL.flatMap { references.resolvedValue($0) } ?? environment["AVALA_BASE_URL"] ?? BaseURL.default.description,
            allowInsecureHTTP: BaseURL.insecureAllowed(environment: environment)
        )
        return (SecretString(key), base)
    }
}
