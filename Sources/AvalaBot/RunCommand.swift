import ArgumentParser
import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Logging
import Pollers
import ServiceLifecycle
import UnixSignals
import WebhookListener

/// `avala-bot run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the bot: store, dispatcher, and (as configured) listener and pollers.",
        discussion: "Needs AVALA_API_KEY (or api.api_key). SIGTERM and SIGINT drain in-flight work, then stop."
    )

    @Option(name: .long, help: "The config file.")
    var config = "config/avala-bot.yaml"

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.bootstrap(label: "avala-bot")
        let loaded = ConfigLoader().load(path: config)
        for warning in loaded.warnings { logger.warning("Config warning", metadata: ["config.problem": "\(warning)"]) }
        guard loaded.errors.isEmpty else {
            for error in loaded.errors { Console.line(error.description) }
            throw ValidationError("the config has errors; `avala-bot check-config --config \(config)` lists them")
        }
        let settings = loaded.configuration
        guard let apiKey = settings.api.apiKey, !apiKey.isEmpty else {
            throw ValidationError("AVALA_API_KEY is not set (or write api.api_key: \"${AVALA_API_KEY}\" in the config)")
        }
        let baseURL = try BaseURL(
            settings.api.baseURL ?? BaseURL.default.description,
            allowInsecureHTTP: BaseURL.insecureAllowed()
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
        let store = try SQLiteEventStore(path: settings.store.sqlite, logger: logger)
        try await store.migrate()
        let dispatcher = Dispatcher(
            store: store,
            rules: RuleSetProvider(loaded.rules),
            host: PluginHost(plugins: loaded.plugins, contexts: BasicContextFactory()),
            enricher: ProjectEnricher(client: client, logger: logger),
            configuration: DispatcherConfiguration(
                concurrency: settings.dispatcher.concurrency,
                maxAttempts: settings.dispatcher.maxAttempts,
                backoffBase: settings.dispatcher.backoff.base.duration,
                backoffMax: settings.dispatcher.backoff.max.duration,
                shutdownGrace: settings.dispatcher.shutdownGrace.duration
            ),
            logger: logger
        )
        let group = ServiceGroup(
            configuration: .init(services: [dispatcher], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        logger.info(
            "avala-bot running",
            metadata: [
                "config": "\(config)", "rules.count": "\(loaded.rules.count)", "store": "\(settings.store.sqlite)",
                "api.base_url": "\(baseURL)",
            ]
        )
        do {
            try await group.run()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
