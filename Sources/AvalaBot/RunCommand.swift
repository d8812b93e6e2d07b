import ArgumentParser
import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import Pollers
import ServiceLifecycle
import UnixSignals
import WebhookListener

/// `avala-bot run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the bot: store, dispatcher, and (as configured) listener and pollers.",
        discussion: """
            Needs AVALA_API_KEY (or api.api_key). SIGTERM and SIGINT drain in-flight work, then stop; a second SIGINT \
            during the drain stops at once (exit 130), leaving unfinished actions to run at the next start; a drain that \
            dispatcher.shutdown_grace cuts short cancels the actions still running, which run at the next start too, \
            and exits 3. SIGHUP reloads \
            the config (only if the new one is valid: otherwise the running one stays and the log says why) and \
            the listener's certificates and client CA bundle.
            """
    )

    /// The exit status when `dispatcher.shutdown_grace` ran out before the in-flight actions finished:
    /// the stop is not clean (those actions were cancelled and run again at the next start), and a service
    /// manager must not record it as one. Unused elsewhere: 0 is a clean stop, 1 a failure (argument-parser's
    /// too), 64 a bad command line (``ValidationError``), 130 a second SIGINT.
    static let drainCutShortStatus: Int32 = 3

    @Option(name: .long, help: "The config file.")
    var config = "config/avala-bot.yaml"

    @OptionGroup var logging: LoggingOptions

    /// Tasks run on NIO's event loops instead of a separate pool: a webhook's handler, its store write's
    /// continuation and its answer then share threads instead of waking one another (about 10 % more
    /// deliveries per second in Benchmarks/listener). Nothing in the bot blocks a task's thread. Installed
    /// once per process (a second install is a fatal error), before the daemon starts anything.
    private static let tasksOnEventLoops: Void = {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }()

    func run() async throws {
        _ = Self.tasksOnEventLoops
        if let missing = CommandFailure.missingConfig(config) { throw missing }
        let loaded = ConfigLoader().load(path: config)
        let logger = logging.bootstrap(
            label: "avala-bot",
            config: (loaded.configuration.log.level, loaded.configuration.log.format)
        )
        for warning in loaded.warnings { logger.warning("Config warning", metadata: ["config.problem": "\(warning)"]) }
        guard loaded.errors.isEmpty else {
            for error in loaded.errors { Console.line(error.description) }
            throw CommandFailure("the config has errors; `avala-bot check-config --config \(config)` lists them")
        }
        let metrics = MetricsExport()
        metrics.bootstrap()
        // An `AssemblyError` (no key, the store in use) is a run-time failure, not a bad command line.
        let assembly = try await BotAssembly.build(loaded, metrics: metrics, logger: logger)
        do {
            try await Self.checkListenerAddress(assembly.listener)
        } catch {
            await assembly.shutdown()
            throw error
        }
        let reloader = ConfigReloader(
            path: config,
            loaded: loaded,
            dispatcher: assembly.dispatcher,
            listener: assembly.listener,
            logger: logger
        )
        let group = ServiceGroup(
            configuration: .init(
                services: assembly.services + [
                    reloader,
                    ShutdownNotice(
                        logger: logger,
                        grace: loaded.configuration.dispatcher.shutdownGrace.duration,
                        onShutdown: { [dispatcher = assembly.dispatcher] in dispatcher.shutdownBegan() }
                    ),
                ],
                // SIGINT too, through `InterruptibleRun`: a second one stops without waiting out the drain.
                gracefulShutdownSignals: [.sigterm],
                logger: logger
            )
        )
        logger.info(
            "avala-bot running",
            metadata: [
                "config": "\(config)", "rules.count": "\(loaded.rules.count)",
                // Which Avala: api.base_url in the config wins over AVALA_BASE_URL.
                "api.base_url": "\(assembly.client.configuration.baseURL)",
                "store": "\(loaded.configuration.store.sqlite)",
                // By name: `exports.followed` is the watcher of followed exports, which runs without a
                // `pollers` section too.
                "pollers": "\(assembly.pollers.map(\.name).joined(separator: ","))",
                "listener": "\(assembly.listener == nil ? "off" : "on")",
            ]
        )
        let started = ContinuousClock.now
        let forced: Bool
        do {
            forced = try await InterruptibleRun.run(group, logger: logger)
        } catch {
            await assembly.shutdown()
            throw error
        }
        await assembly.shutdown()
        let uptime = ConfigDuration.format(ContinuousClock.now - started)
        guard !forced else {
            logger.notice("avala-bot stopped by a second SIGINT before in-flight actions finished", metadata: ["uptime": "\(uptime)"])
            // 128 + SIGINT, as a shell reports a process Ctrl-C ended: a script can tell this from a drain.
            throw ExitCode(130)
        }
        let cutShort = assembly.dispatcher.cutShort
        guard cutShort.isEmpty else {
            logger.warning(
                "avala-bot stopped before in-flight actions finished: dispatcher.shutdown_grace ran out; their events resume at the next start",
                metadata: ["uptime": "\(uptime)", "events.count": "\(cutShort.count)", "event.ids": "\(cutShort.joined(separator: ","))"]
            )
            throw ExitCode(Self.drainCutShortStatus)
        }
        logger.notice("avala-bot stopped", metadata: ["uptime": "\(uptime)"])
    }

    /// Binds the listener's address once and lets it go, before anything starts: a port in use then ends
    /// the start with one line naming `listener.bind`, instead of after the pollers have started (and
    /// been stopped again). The listener reports a bind it loses later in the same words.
    private static func checkListenerAddress(_ listener: WebhookListener?) async throws {
        guard let configuration = listener?.configuration, configuration.port != 0 else { return }
        do {
            try await ListenerAddressCheck.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            throw WebhookListenerError.bindFailure(error, setting: "listener.bind", host: configuration.host, port: configuration.port) ?? error
        }
    }
}
