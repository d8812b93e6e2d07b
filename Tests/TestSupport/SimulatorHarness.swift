public import AvalaAPI
public import AvalaSimulator
public import InMemoryLogging
public import Logging
import ServiceLifecycle

/// A running simulator and the pieces tests need around it: its base URL, a log capture, and a client
/// configured for fast tests (short backoff, a large rate budget).
///
/// ```swift
/// try await SimulatorHarness.with { harness in
///     let client = harness.makeClient()
///     let datasets = try await client.datasets().collect()
/// }
/// ```
public struct SimulatorHarness: Sendable {
    public let simulator: AvalaSimulator
    /// `http://127.0.0.1:PORT/api/v1`
    public let baseURL: String
    /// Everything logged by the simulator and by clients made here, at trace level.
    public let logs: InMemoryLogHandler
    public let logger: Logger

    /// The simulator's key.
    public var apiKey: String { simulator.configuration.apiKey }

    /// A simulator configuration for tests: exports finish in 0.3 s and webhook retries come fast.
    public static func testConfiguration(apiKey: String = "avk_sim_test_key_0123456789") -> SimulatorConfiguration {
        SimulatorConfiguration(
            apiKey: apiKey,
            requestsPerMinute: 100_000,
            exportProcessingAfter: .milliseconds(100),
            exportCompletionAfter: .milliseconds(300),
            webhookRetryDelays: [.milliseconds(100), .milliseconds(200), .milliseconds(300)],
            webhookTimeout: .seconds(3),
            tickInterval: .milliseconds(20)
        )
    }

    /// The test configuration with exports that move only when a test finishes or fails them.
    public static func manualExports() -> SimulatorConfiguration {
        var configuration = testConfiguration()
        configuration.exportCompletionAfter = nil
        return configuration
    }

    /// Starts a simulator, runs `body`, then shuts the simulator down gracefully (also when `body` throws).
    public static func with<T: Sendable>(
        _ configuration: SimulatorConfiguration = testConfiguration(),
        _ body: @Sendable (SimulatorHarness) async throws -> T
    ) async throws -> T {
        let logs = InMemoryLogHandler()
        var handler = logs
        handler.logLevel = .trace
        let logger = Logger(label: "test") { _ in handler }
        let simulator = AvalaSimulator(configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [simulator], logger: logger))
        return try await group.whileRunning {
            let baseURL = try await simulator.waitUntilRunning()
            return try await body(SimulatorHarness(simulator: simulator, baseURL: baseURL, logs: logs, logger: logger))
        }
    }

    /// A client of this simulator. Tests that change a setting pass a closure.
    public func makeClient(_ adjust: (inout AvalaClientConfiguration) -> Void = { _ in }) -> AvalaClient {
        var configuration = AvalaClientConfiguration(
            baseURL: try! BaseURL(baseURL, allowInsecureHTTP: true),
            apiKey: SecretString(apiKey),
            requestsPerMinute: 100_000,
            burst: 1_000,
            maxRetries: 3,
            timeout: .seconds(10),
            backoffBase: .milliseconds(5),
            backoffMax: .milliseconds(50)
        )
        adjust(&configuration)
        return AvalaClient(configuration: configuration, logger: logger)
    }

    /// Runs `body` with a client of this simulator and shuts the client down afterwards.
    public func withClient<T: Sendable>(
        _ adjust: (inout AvalaClientConfiguration) -> Void = { _ in },
        _ body: (AvalaClient) async throws -> T
    ) async throws -> T {
        let client = makeClient(adjust)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Every log line so far, rendered with its metadata, for leak checks.
    public var renderedLogs: String {
        logs.entries.map { entry in
            "\(entry.level) \(entry.message) \(entry.metadata.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))"
                + (entry.error.map { " error=\($0)" } ?? "")
        }.joined(separator: "\n")
    }
}
