import AsyncHTTPClient
import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Logging
import Pollers
import ServiceLifecycle
import WebhookListener

/// The running bot's parts, wired from a checked config: used by `run` and by the end-to-end tests
/// (the Hummingbird template's `buildApplication` pattern).
struct BotAssembly: Sendable {
    let client: AvalaClient
    /// Outbound HTTP for plugins (alert receivers, forward targets).
    let http: HTTPClient
    let store: SQLiteEventStore
    /// One bot per store: held until ``shutdown()``.
    let lock: StoreLock
    let dispatcher: Dispatcher
    let listener: WebhookListener?
    let pollers: [any Poller]
    let maintenance: StoreMaintenance
    /// `plugins.invite.roster.every`, when set.
    let roster: RosterSchedule?

    /// Services in start order. A group stops them in reverse: producers (listener, pollers) first,
    /// the dispatcher last, so it drains after nothing new arrives.
    var services: [any Service] {
        var services: [any Service] = [dispatcher, maintenance]
        services += pollers.map { $0 as any Service }
        if let roster { services.append(roster) }
        if let listener { services.append(listener) }
        return services
    }

    /// - Throws: an ``AssemblyError`` when the key is missing or the store is in use, an `AvalaError` when the base URL is refused,
    ///   or the listener's configuration error.
    static func build(
        _ loaded: LoadedConfiguration,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        metrics: MetricsExport = MetricsExport(),
        dispatcherEnvironment: DispatcherEnvironment = DispatcherEnvironment(),
        logger: Logger
    ) async throws -> BotAssembly {
        let settings = loaded.configuration
        guard let apiKey = settings.api.apiKey, !apiKey.isEmpty else {
            throw AssemblyError("AVALA_API_KEY is not set (or write api.api_key: \"${AVALA_API_KEY}\" in the config)")
        }
        if let problem = AvalaClientConfiguration.problem(withAPIKey: apiKey.revealed) {
            throw AssemblyError("api.api_key: \(problem)")
        }
        // One bot per store: the dispatcher's start puts every running event back to pending, which must
        // never happen to the events another bot on this store is running. Taken before anything is
        // opened, so that a refusal leaves nothing to shut down (a client dropped unshut is fatal).
        let lock: StoreLock
        do {
            // Another application's database is refused before the lock file is made beside it.
            try SQLiteEventStore.refuseForeignDatabase(at: settings.store.sqlite)
            lock = try StoreLock(storePath: settings.store.sqlite)
        } catch let error as SQLiteEventStoreError where error.code == .notAStore || error.code == .cannotOpen {
            throw AssemblyError("store.sqlite: \(error.message)")
        } catch let error as SQLiteEventStoreError {
            throw AssemblyError(error.message)
        }
        let baseURL = try BaseURL(
            settings.api.baseURL ?? BaseURL.default.description,
            allowInsecureHTTP: BaseURL.insecureAllowed(environment: environment)
        )
        let client = AvalaClient(
            configuration: AvalaClientConfiguration(
                baseURL: baseURL,
                apiKey: apiKey,
                requestsPerMinute: settings.api.requestsPerMinute,
                burst: settings.api.burst,
                maxRetries: settings.api.maxRetries,
                timeout: settings.api.timeout.duration,
                maxConcurrency: settings.api.maxConcurrency
            ),
            logger: logger
        )
        let http = HTTPOutbound.makeClient()
        do {
            return try await build(
                loaded,
                client: client,
                http: http,
                lock: lock,
                environment: environment,
                metrics: metrics,
                dispatcherEnvironment: dispatcherEnvironment,
                logger: logger
            )
        } catch {
            // A client dropped without its shutdown stops the process with a fatal error: a store that
            // cannot open or a certificate file that is missing must end in their own message instead.
            try? await client.shutdown()
            try? await http.shutdown()
            lock.release()
            throw error
        }
    }

    /// The rest of ``build(_:environment:metrics:dispatcherEnvironment:logger:)``, once the clients exist.
    private static func build(
        _ loaded: LoadedConfiguration,
        client: AvalaClient,
        http: HTTPClient,
        lock: StoreLock,
        environment: [String: String],
        metrics: MetricsExport,
        dispatcherEnvironment: DispatcherEnvironment,
        logger: Logger
    ) async throws -> BotAssembly {
        let settings = loaded.configuration
        let store: SQLiteEventStore
        do {
            store = try SQLiteEventStore(path: settings.store.sqlite, logger: logger)
            try await store.migrate()
        } catch let error as SQLiteEventStoreError where error.code == .cannotOpen || error.code == .notAStore {
            // One line naming the file and why, not the type's name and code.
            throw AssemblyError("store.sqlite: \(error.message)")
        }
        let dispatcher = Dispatcher(
            store: store,
            rules: RuleSetProvider(loaded.rules),
            host: PluginHost(
                plugins: loaded.plugins,
                contexts: BotContextFactory(client: client, store: store, http: http)
            ),
            enricher: ChainDepthEnricher(store: store, next: ProjectEnricher(client: client, logger: logger), logger: logger),
            configuration: DispatcherConfiguration(
                concurrency: settings.dispatcher.concurrency,
                maxAttempts: settings.dispatcher.maxAttempts,
                backoffBase: settings.dispatcher.backoff.base.duration,
                backoffMax: settings.dispatcher.backoff.max.duration,
                shutdownGrace: settings.dispatcher.shutdownGrace.duration
            ),
            environment: dispatcherEnvironment,
            logger: logger
        )
        let pollers = settings.pollers.pollersConfiguration.makePollers(
            client: client,
            store: store,
            wake: dispatcher.signal,
            logger: logger
        )
        var listener: WebhookListener?
        if let section = settings.listener {
            var listenerConfiguration = try section.listenerConfiguration(environment: environment)
            listenerConfiguration.metrics = { [store] in await metrics.render(store: store) }
            // Two minutes of nothing but failures: long enough not to flap on one bad poll.
            listenerConfiguration.apiProblem = { [client] in client.reachability.verdict(grace: 120) }
            if section.statusPage {
                let status = StatusPage(store: store, pollers: pollers.map(\.name), started: Date())
                listenerConfiguration.status = { await status.render() }
            }
            listener = try WebhookListener(
                configuration: listenerConfiguration,
                store: store,
                wake: dispatcher.signal,
                logger: logger
            )
        }
        let maintenance = StoreMaintenance(
            store: store,
            retention: settings.store.retention.duration,
            keyRetention: settings.store.keyRetention.duration,
            logger: logger
        )
        let roster = RosterSchedule.from(plugins: settings.plugins, store: store, wake: dispatcher.signal, logger: logger)
        return BotAssembly(
            client: client,
            http: http,
            store: store,
            lock: lock,
            dispatcher: dispatcher,
            listener: listener,
            pollers: pollers,
            maintenance: maintenance,
            roster: roster
        )
    }

    func shutdown() async {
        try? await client.shutdown()
        try? await http.shutdown()
        lock.release()
    }
}

/// A reason the bot cannot start, worded for the operator.
struct AssemblyError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
