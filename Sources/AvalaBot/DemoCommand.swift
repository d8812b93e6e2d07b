import ArgumentParser
import AvalaAPI
import AvalaSimulator
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `avala-bot demo`: avala-bot's moving parts against an embedded simulator, with no key and no network.
///
/// Today it tours the API client against the simulator (the three jobs' API calls, with retries and
/// pagination); the rule engine, listener and pollers join it as they land.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run avala-bot's demo against an embedded Avala simulator (no key, no network)."
    )

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        var options = logging
        if options.logLevel == .info { options.logLevel = .warning }
        let logger = options.bootstrap(label: "avala-bot.demo")
        let simulator = AvalaSimulator(
            configuration: SimulatorConfiguration(exportCompletionAfter: .milliseconds(600)),
            logger: logger
        )
        let services = ServiceGroup(
            configuration: .init(services: [simulator], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await services.run() }
            let base = try await simulator.waitUntilRunning()
            let timeline = DemoTimeline()
            timeline.say("simulator", "Avala simulator up at \(base)")
            let client = AvalaClient(
                configuration: AvalaClientConfiguration(
                    baseURL: try BaseURL(base, allowInsecureHTTP: true),
                    apiKey: SecretString(simulator.configuration.apiKey),
                    requestsPerMinute: 600,
                    backoffBase: .milliseconds(100)
                ),
                logger: logger
            )
            do {
                try await DemoTour(client: client, simulator: simulator, timeline: timeline).play()
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }
            timeline.summary()
            await services.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
