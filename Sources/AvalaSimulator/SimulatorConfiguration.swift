import AvalaAPI
import Foundation

/// How an ``AvalaSimulator`` behaves.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `host`, `port` | `127.0.0.1`, 0 | where it listens; 0 picks a free port |
/// | `apiKey` | random `avk_sim_…` | the key every `/api/v1` request must carry |
/// | `scopedKeys` | none | further keys limited to scopes like `datasets.read` (403 outside them) |
/// | `requestsPerMinute` | 600 | per key and `rateWindow`; 429 with `Retry-After` beyond it |
/// | `rateWindow` | 60 s | the window `requestsPerMinute` counts in (shorter in tests) |
/// | `exportProcessingAfter`, `exportCompletionAfter` | 0.2 s, 1 s | an export's way to `processing`, then `exported`; nil completion: only the control surface finishes it |
/// | `webhookRetryDelays` | 1 s, 2 s, 4 s, 8 s | waits between delivery attempts; a delivery fails after the last |
/// | `webhookTimeout` | 5 s | per delivery attempt |
/// | `webhookTrustRootsPEM` | none | CA certificates to trust for https targets (a self-signed listener) |
/// | `defaultWebhookSecret` | none | the secret of a subscription created without one (else a random one) |
/// | `seed` | ``SimulatorSeed/standard`` | the data it starts with and returns to on reset |
public struct SimulatorConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var apiKey: String
    public var scopedKeys: [String: Set<String>]
    public var requestsPerMinute: Int
    public var rateWindow: Duration
    public var exportProcessingAfter: Duration
    public var exportCompletionAfter: Duration?
    public var webhookRetryDelays: [Duration]
    public var webhookTimeout: Duration
    public var webhookTrustRootsPEM: [String]
    public var defaultWebhookSecret: String?
    public var seed: SimulatorSeed
    /// How often background work (export progress, due webhook retries) is checked.
    public var tickInterval: Duration

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        apiKey: String = SimulatorConfiguration.randomKey(),
        scopedKeys: [String: Set<String>] = [:],
        requestsPerMinute: Int = 600,
        rateWindow: Duration = .seconds(60),
        exportProcessingAfter: Duration = .milliseconds(200),
        exportCompletionAfter: Duration? = .seconds(1),
        webhookRetryDelays: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(8)],
        webhookTimeout: Duration = .seconds(5),
        webhookTrustRootsPEM: [String] = [],
        defaultWebhookSecret: String? = nil,
        seed: SimulatorSeed = .standard,
        tickInterval: Duration = .milliseconds(50)
    ) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.scopedKeys = scopedKeys
        self.requestsPerMinute = requestsPerMinute
        self.rateWindow = rateWindow
        self.exportProcessingAfter = exportProcessingAfter
        self.exportCompletionAfter = exportCompletionAfter
        self.webhookRetryDelays = webhookRetryDelays
        self.webhookTimeout = webhookTimeout
        self.webhookTrustRootsPEM = webhookTrustRootsPEM
        self.defaultWebhookSecret = defaultWebhookSecret
        self.seed = seed
        self.tickInterval = tickInterval
    }

    /// A fresh `avk_sim_…` key.
    public static func randomKey() -> String {
        "avk_sim_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}
