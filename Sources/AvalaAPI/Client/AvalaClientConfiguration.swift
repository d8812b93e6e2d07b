public import Foundation
import Logging

/// How an ``AvalaClient`` talks to the API.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `baseURL` | `https://api.avala.ai/api/v1` | checked by ``BaseURL`` |
/// | `apiKey` | — | sent as `X-Avala-Api-Key`, nowhere else; a key with control characters or outer spaces is refused |
/// | `requestsPerMinute` | 90 | shared client budget (Avala documents 100/min per user) |
/// | `burst` | 20 | token-bucket burst |
/// | `maxRetries` | 5 | per call, for retryable failures |
/// | `timeout` | 30 s | per request, including the body |
/// | `maxConcurrency` | 4 | requests in flight at once, across every caller of this client |
/// | `maxPages` | 50 | pages one listing reads before it stops (the SDK's cap) |
/// | `backoffBase`, `backoffMax` | 1 s, 60 s | exponential backoff with full jitter between retries |
/// | `maxRetryAfter` | 120 s | a longer `Retry-After` is handed to the caller instead of waited out |
public struct AvalaClientConfiguration: Sendable {
    public var baseURL: BaseURL
    public var apiKey: SecretString
    public var requestsPerMinute: Int
    public var burst: Int
    public var maxRetries: Int
    public var timeout: Duration
    public var maxConcurrency: Int
    public var maxPages: Int
    public var backoffBase: Duration
    public var backoffMax: Duration
    public var maxRetryAfter: Duration
    /// The largest response body read; a larger one is a `.decoding` error.
    public var maxResponseBytes: Int
    public var userAgent: String

    public init(
        baseURL: BaseURL = .default,
        apiKey: SecretString,
        requestsPerMinute: Int = 90,
        burst: Int = 20,
        maxRetries: Int = 5,
        timeout: Duration = .seconds(30),
        maxConcurrency: Int = 4,
        maxPages: Int = 50,
        backoffBase: Duration = .seconds(1),
        backoffMax: Duration = .seconds(60),
        maxRetryAfter: Duration = .seconds(120),
        maxResponseBytes: Int = 32 * 1024 * 1024,
        userAgent: String = "avala-bot"
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.requestsPerMinute = requestsPerMinute
        self.burst = burst
        self.maxRetries = maxRetries
        self.timeout = timeout
        self.maxConcurrency = maxConcurrency
        self.maxPages = maxPages
        self.backoffBase = backoffBase
        self.backoffMax = backoffMax
        self.maxRetryAfter = maxRetryAfter
        self.maxResponseBytes = maxResponseBytes
        self.userAgent = userAgent
    }

    /// Why `key` cannot be sent as the `X-Avala-Api-Key` header, or nil when it can.
    ///
    /// A key read from a secret file often ends in a newline; the HTTP layer would refuse the header and
    /// print the key, escaped, in its error. The reason names the problem only, never the key.
    public static func problem(withAPIKey key: String) -> String? {
        if key.isEmpty { return "the API key is empty" }
        if key.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "the API key contains a control character (often a trailing newline from a secret file); remove it"
        }
        if key.first == " " || key.last == " " {
            return "the API key begins or ends with a space; remove it"
        }
        return nil
    }

    /// A configuration from `AVALA_API_KEY`, `AVALA_BASE_URL` and `AVALA_ALLOW_INSECURE_BASE_URL`.
    ///
    /// - Throws: ``AvalaError`` `.invalidConfiguration` when the key is missing or not a valid header value,
    ///   or the base URL is refused.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(AvalaError) -> AvalaClientConfiguration {
        guard let key = environment["AVALA_API_KEY"], !key.isEmpty else {
            throw .invalidConfiguration("AVALA_API_KEY is not set")
        }
        if let problem = problem(withAPIKey: key) { throw .invalidConfiguration("AVALA_API_KEY: \(problem)") }
        let base =
            try environment["AVALA_BASE_URL"].map { (text) throws(AvalaError) -> BaseURL in
                try BaseURL(text, allowInsecureHTTP: BaseURL.insecureAllowed(environment: environment))
            } ?? .default
        return AvalaClientConfiguration(baseURL: base, apiKey: SecretString(key))
    }
}
