import ArgumentParser
import AvalaAPI
import AvalaSimulator
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import WebhookListener

/// `avala-bot simulator`: the Avala simulator on its own, for curl, the official SDK or a bot under development.
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Run the Avala API simulator on loopback, seeded with an organization, projects, datasets and exports.",
        discussion: """
            Point the official SDK or avala-bot at it with the three variables it prints. Its control \
            surface lives under /_sim/ (see SIMULATOR.md): add members, finish exports, inject faults. \
            Stop it with Ctrl-C.
            """
    )

    @Option(help: "Port to listen on (127.0.0.1). 0 picks a free one.")
    var port: Int = 8787

    @Option(help: "The API key clients must send. Default: a random avk_sim_… key.")
    var apiKey: String?

    @Option(help: "A JSON seed file (organizations, projects, datasets, exports, tasks) instead of the built-in seed.")
    var seed: String?

    @Option(help: "Secret for webhook subscriptions created without one.")
    var webhookSecret: String?

    @Option(help: "Requests per minute per key before 429.")
    var requestsPerMinute: Int = 600

    @Option(
        name: .customLong("trust-ca"),
        help: "A PEM file of CA certificates to trust when delivering webhooks over https (a self-signed listener). Repeatable."
    )
    var trustCA: [String] = []

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
        if let apiKey, apiKey.isEmpty { throw ValidationError("--api-key must not be empty.") }
        // 0 would answer every request 429: a simulator no client can use.
        if requestsPerMinute < 1 { throw ValidationError("--requests-per-minute must be at least 1") }
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "avala-simulator")
        let configuration = try simulatorConfiguration()
        let simulator = AvalaSimulator(configuration: configuration, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [simulator], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let base: String
            do {
                base = try await simulator.waitUntilRunning()
            } catch {
                guard let failure = WebhookListenerError.bindFailure(error, setting: "--port", host: configuration.host, port: port) else {
                    throw error
                }
                throw CommandFailure(failure.message)
            }
            Console.line(
                """
                Avala simulator listening on \(base)
                Use it with the official SDK or avala-bot:
                  export AVALA_BASE_URL=\(base)
                  export AVALA_API_KEY=\(configuration.apiKey)
                  export AVALA_ALLOW_INSECURE_BASE_URL=1
                Try: curl -H "X-Avala-Api-Key: $AVALA_API_KEY" $AVALA_BASE_URL/datasets/
                """
            )
            try await tasks.waitForAll()
        }
    }

    /// What the options ask for, with the seed and CA files read.
    func simulatorConfiguration() throws -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration(
            port: port,
            apiKey: apiKey ?? SimulatorConfiguration.randomKey(),
            requestsPerMinute: requestsPerMinute,
            defaultWebhookSecret: webhookSecret,
            seed: try loadSeed()
        )
        configuration.webhookTrustRootsPEM = try trustCA.map(Self.certificatesPEM)
        return configuration
    }

    /// The file's text, once it is known to hold at least one PEM certificate: a wrong file is refused
    /// at start, not found out at the first delivery. A file that cannot be read, or holds no
    /// certificate, is work that cannot be done (exit 1), as `sign` says of its file: the command line
    /// named a file, as it should.
    static func certificatesPEM(path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("--trust-ca \(path): cannot read the file")
        }
        let text = String(decoding: data, as: UTF8.self)
        guard text.contains("-----BEGIN CERTIFICATE-----") else {
            throw CommandFailure("--trust-ca \(path): no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)")
        }
        return text
    }

    /// The seed file, or the built-in seed; a bad file names the field that is wrong.
    private func loadSeed() throws -> SimulatorSeed {
        guard let seed else { return .standard }
        do {
            return try SimulatorSeed.load(contentsOf: URL(fileURLWithPath: seed))
        } catch let error as DecodingError {
            let body = FileManager.default.contents(atPath: seed).map(Array.init)
            throw CommandFailure("--seed \(seed): \(AvalaClient.describe(decodingError: error, body: body))")
        } catch {
            throw CommandFailure("--seed \(seed): \(error.localizedDescription)")
        }
    }
}
