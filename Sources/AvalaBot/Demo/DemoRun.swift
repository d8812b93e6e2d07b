import AvalaAPI
import AvalaSimulator
import BotEngine
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals
import WebhookListener

/// One play of the demo: the simulator, a stand-in for Slack and the bot with the demo config behind a
/// TLS listener, the three jobs, the timeline and its summary.
struct DemoRun {
    var config: String
    var keepRunning: Bool
    var timeout: Duration
    /// What the demo's `/metrics` serves; the command bootstraps it for the process, as `run` does.
    var metrics = MetricsExport()

    /// Plays the scenario; returns the timeline (what was printed) for tests.
    ///
    /// Every way it can end — done, a job past `timeout`, SIGINT or SIGTERM, an error — goes through the
    /// same cleanup: the bot's clients shut down, the simulator and receiver stop, and the directory with
    /// the demo's CA and TLS key is removed.
    ///
    /// - Throws: ``DemoFailure`` naming the job that did not finish (and the signal, when stopped by one).
    @discardableResult
    func run(logger: Logger, gate: MutableLogHandler.Switch = MutableLogHandler.Switch()) async throws -> DemoTimeline {
        let timeline = DemoTimeline()
        // Trapped before anything starts: a signal at any point, even before the bot runs, must end the
        // demo through the cleanup below rather than kill it with a CA and a private key left in /tmp.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("avala-bot-demo-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workspace) }

        try await withThrowingTaskGroup(of: UnixSignal?.self) { tasks in
            tasks.addTask {
                for await signal in signals { return signal }
                return nil
            }
            tasks.addTask {
                try await play(workspace: workspace, timeline: timeline, gate: gate, logger: logger)
                return nil
            }
            // The first to end decides: the play (done, or failed naming what did not finish), or a signal.
            guard let signal = try await tasks.next() ?? nil else {
                tasks.cancelAll()
                return
            }
            // Cancelled, the play stops where it is and cleans up; with --keep-running it ends normally.
            // What the cancelled servers log on the way down ("Waiting on child channel:
            // CancellationError()") is not news to someone who just pressed Ctrl-C: muted.
            gate.mute()
            tasks.cancelAll()
            do {
                while try await tasks.next() != nil {}
            } catch {
                let name = signal == .sigint ? "SIGINT" : "SIGTERM"
                let unfinished = (error as? DemoFailure)?.description ?? "before the jobs started; none of the 3 jobs finished"
                throw DemoFailure("stopped by \(name): \(unfinished)")
            }
        }
        return timeline
    }

    private func play(workspace: String, timeline: DemoTimeline, gate: MutableLogHandler.Switch, logger: Logger) async throws {
        let certificate = try DemoCertificate.generate(in: workspace)
        timeline.say("demo", "Generated a CA and a localhost certificate in \(workspace)")
        let simulator = AvalaSimulator(
            configuration: SimulatorConfiguration(exportCompletionAfter: .milliseconds(600), webhookTrustRootsPEM: [certificate.caPEM]),
            logger: logger
        )
        let receiver = DemoReceiver(timeline: timeline, logger: logger)
        let outside = ServiceGroup(
            configuration: .init(services: [simulator, receiver], logger: logger)
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await outside.run() }
            do {
                try await runBot(
                    simulator: simulator,
                    receiver: receiver,
                    certificate: certificate,
                    workspace: workspace,
                    timeline: timeline,
                    gate: gate,
                    logger: logger
                )
            } catch {
                await outside.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            await outside.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    private func runBot(
        simulator: AvalaSimulator,
        receiver: DemoReceiver,
        certificate: DemoCertificate,
        workspace: String,
        timeline: DemoTimeline,
        gate: MutableLogHandler.Switch,
        logger: Logger
    ) async throws {
        let base = try await simulator.waitUntilRunning()
        timeline.say("simulator", "Avala simulator up at \(base)")
        // The seed's unfinished exports end now, before the bot looks: the story starts from a quiet org.
        // (Either may have finished on its own already: the simulator then answers 409, which is fine.)
        _ = try? await simulator.finishExport(uid: SimulatorSeed.UID.processingExport)
        _ = try? await simulator.finishExport(uid: SimulatorSeed.UID.requestedExport)
        let slackURL = try await receiver.waitUntilListening()
        let secret = "demo-" + UUID().uuidString.lowercased()
        let environment = ProcessInfo.processInfo.environment.merging(
            [
                "DEMO_BASE_URL": base, "DEMO_API_KEY": simulator.configuration.apiKey, "AVALA_ALLOW_INSECURE_BASE_URL": "1",
                "DEMO_TLS_CERT": certificate.certificatePath, "DEMO_TLS_KEY": certificate.keyPath, "DEMO_WEBHOOK_SECRET": secret,
                "DEMO_STORE": workspace + "/avala-bot.sqlite", "DEMO_SLACK_URL": slackURL,
            ],
            uniquingKeysWith: { _, demo in demo }
        )
        let loader = ConfigLoader(environment: environment)
        let loaded =
            FileManager.default.fileExists(atPath: config)
            ? loader.load(path: config) : loader.load(yaml: DemoConfig.yaml, file: "(built-in demo.yaml)")
        guard loaded.errors.isEmpty else {
            for error in loaded.errors { Console.line(error.description) }
            throw DemoFailure("\(loaded.file) has errors (listed above)")
        }
        timeline.say("bot", "Loaded \(loaded.file): \(loaded.rules.count) rules, plugins \(loaded.plugins.keys.sorted().joined(separator: ", "))")
        let assembly = try await BotAssembly.build(loaded, environment: environment, metrics: metrics, logger: logger)
        do {
            try await drive(
                assembly,
                base: base,
                secret: secret,
                simulator: simulator,
                receiver: receiver,
                certificate: certificate,
                timeline: timeline,
                gate: gate,
                logger: logger
            )
        } catch {
            // A client dropped without its shutdown is a fatal error: a timeout or a signal must end in
            // the demo's own message instead. What follows the failure is shutdown noise: muted.
            gate.mute()
            await assembly.shutdown()
            throw error
        }
        await assembly.shutdown()
    }

    /// The bot running, the scenario played against it, and the summary.
    private func drive(
        _ assembly: BotAssembly,
        base: String,
        secret: String,
        simulator: AvalaSimulator,
        receiver: DemoReceiver,
        certificate: DemoCertificate,
        timeline: DemoTimeline,
        gate: MutableLogHandler.Switch,
        logger: Logger
    ) async throws {
        // No signals here: the demo's own handler (in ``run(logger:gate:)``) cancels this task.
        let bot = ServiceGroup(configuration: .init(services: assembly.services, logger: logger))
        let observer = DemoObserver(store: assembly.store, timeline: timeline)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await bot.run() }
            tasks.addTask { await observer.watch() }
            defer { tasks.cancelAll() }
            let port = try await assembly.listener?.waitUntilListening() ?? 0
            let listenerURL = "https://127.0.0.1:\(port)/webhooks/avala"
            timeline.say("bot", "Listening for webhooks at \(listenerURL) (TLS, avala signatures)")
            _ = try await assembly.client.createWebhook(
                targetURL: listenerURL,
                events: ["export.completed", "export.failed"],
                secret: SecretString(secret)
            )
            timeline.say("simulator", "Webhooks for export.completed and export.failed now go to the bot")

            let scenario = DemoScenario(
                client: assembly.client,
                simulator: simulator,
                store: assembly.store,
                receiver: receiver,
                timeline: timeline,
                deadline: .now + timeout
            )
            let results: DemoScenario.Results
            do {
                results = try await scenario.play()
            } catch {
                // The failure names the job; the bot's stopping after it only adds cancellation noise.
                gate.mute()
                throw error
            }
            // Let the last actions finish so the summary counts them.
            for _ in 0..<50 where try await assembly.store.queueDepth() > 0 { try await Task.sleep(for: .milliseconds(100)) }
            try await observer.look()
            timeline.summary(
                jobs: [("auto-invite", results.invitation), ("chained exports", results.chain), ("ops alerting", results.alert)],
                events: observer.eventCount,
                outcomes: observer.outcomes.map { ($0.key.rawValue, $0.value) }
            )
            if keepRunning {
                Console.line(
                    """

                    Still running (Ctrl-C stops it). Try:
                      curl --cacert \(certificate.caPath) https://127.0.0.1:\(port)/healthz
                      curl --cacert \(certificate.caPath) https://127.0.0.1:\(port)/metrics
                      open https://127.0.0.1:\(port)/status in a browser (accept the demo certificate)
                      the simulator: \(base) with X-Avala-Api-Key: \(simulator.configuration.apiKey)
                    """
                )
                // Until Ctrl-C, which cancels this task: then the end is the normal one.
                do {
                    try await tasks.next()
                } catch {
                    if !Task.isCancelled { throw error }
                }
            }
            // Done: every action has finished, so nothing needs draining (a graceful TLS shutdown would
            // wait for the simulator's idle keep-alive connections to say goodbye).
            gate.mute()
            tasks.cancelAll()
        }
    }
}
