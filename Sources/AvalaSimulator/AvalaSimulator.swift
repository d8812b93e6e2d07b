import AsyncHTTPClient
import AvalaAPI
import Foundation
import Hummingbird
public import Logging
public import ServiceLifecycle

/// An in-process Avala API for tests, the demo and local development.
///
/// It serves `/api/v1/…` as the real API does (the official SDK's shapes where sources conflict), moves
/// exports along over time, delivers signed webhooks to subscriptions, and offers a control surface under
/// `/_sim/…` and as Swift methods. It is a `Service`: run it in a `ServiceGroup` or a task.
///
/// ```swift
/// let simulator = AvalaSimulator(configuration: .init(apiKey: "avk_test"), logger: logger)
/// async let running: Void = simulator.run()
/// let base = try await simulator.waitUntilRunning()   // http://127.0.0.1:PORT/api/v1
/// _ = try await simulator.addMember(organization: "acme-ai", email: "new@acme.ai")
/// ```
public final class AvalaSimulator: Service, Sendable {
    /// Where the API's routes live below the server root.
    public static let apiRoot = "/api/v1"

    public let configuration: SimulatorConfiguration
    let state: SimulatorState
    private let logger: Logger
    private let address = ServerAddress()

    public init(configuration: SimulatorConfiguration = SimulatorConfiguration(), logger: Logger) {
        self.configuration = configuration
        self.state = SimulatorState(configuration: configuration)
        self.logger = logger
    }

    /// Serves until cancelled or until graceful shutdown.
    public func run() async throws {
        let router = Router(context: BasicRequestContext.self)
        let api = router.group(RouterPath(Self.apiRoot))
            .add(middleware: RecordingMiddleware(state: state))
            .add(middleware: TrailingSlashMiddleware())
            .add(middleware: FaultMiddleware(state: state))
            .add(middleware: AuthMiddleware(apiKey: configuration.apiKey, scopedKeys: configuration.scopedKeys))
            .add(middleware: RateLimitMiddleware(state: state))
        let address = self.address
        let state = self.state
        let host = configuration.host
        APIRoutes(state: state) {
            if let override = await state.currentNextLinkBase() { return override }
            return Self.baseURL(host: host, port: address.current ?? 0)
        }.register(on: api)
        ControlRoutes(simulator: self).register(on: router.group("_sim"))

        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "avala-simulator"),
            onServerRunning: { channel in
                address.resolve(.success(channel.localAddress?.port ?? 0))
            },
            logger: logger
        )

        let http: HTTPClientHolder
        do {
            http = HTTPClientHolder(try WebhookDeliverer.makeHTTPClient(trustRootsPEM: configuration.webhookTrustRootsPEM))
        } catch {
            address.resolve(.failure(error))
            throw error
        }
        let deliverer = WebhookDeliverer(http: http.client, state: state, timeout: configuration.webhookTimeout, logger: logger)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.run() }
                group.addTask { await self.backgroundWork(deliverer) }
                // The server ends first (shutdown or failure); the background work goes with it.
                try await group.next()
                group.cancelAll()
            }
        } catch {
            address.resolve(.failure(error))
            try? await http.client.shutdown()
            throw error
        }
        address.resolve(.failure(CancellationError()))
        try await http.client.shutdown()
    }

    /// Export progress and webhook deliveries (retries included), checked every tick.
    private func backgroundWork(_ deliverer: WebhookDeliverer) async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let now = Date()
                await state.advanceExports(now: now)
                for job in await state.takeDueDeliveries(now: now) {
                    group.addTask { await deliverer.deliver(job) }
                }
                do { try await Task.sleep(for: configuration.tickInterval) } catch { break }
            }
        }
    }

    /// Waits until the server listens; returns the API base URL, e.g. `http://127.0.0.1:8787/api/v1`.
    @discardableResult
    public func waitUntilRunning() async throws -> String {
        Self.baseURL(host: configuration.host, port: try await address.wait())
    }

    /// The bound port, once listening.
    public var port: Int? { address.current }

    static func baseURL(host: String, port: Int) -> String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "http://\(hostPart):\(port)\(apiRoot)"
    }
}

/// Owns the webhook HTTP client for the lifetime of `run()`.
private struct HTTPClientHolder: Sendable {
    let client: HTTPClient
    init(_ client: HTTPClient) { self.client = client }
}
