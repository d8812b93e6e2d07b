import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOHTTP1

/// An async client for the Avala REST API.
///
/// One client is shared by everything that talks to one Avala account: its rate limiter and concurrency
/// bound apply across all callers. It owns its HTTP client, configured never to follow redirects (a
/// redirect would replay the API key to another URL); call ``shutdown()`` when done.
///
/// ```swift
/// let client = try AvalaClient(configuration: .fromEnvironment(), logger: logger)
/// defer { Task { try await client.shutdown() } }
/// for try await dataset in client.datasets() { print(dataset.name) }
/// ```
///
/// Retries: a 429 waits `Retry-After` (else exponential backoff with full jitter) and is retried for any
/// method, since the server did not act on it; 5xx and transport failures are retried for GET, PUT and
/// DELETE, and for a POST or PATCH only when the caller marked it `retrySafe`; other 4xx never.
public final class AvalaClient: Sendable {
    public let configuration: AvalaClientConfiguration
    let logger: Logger
    private let http: HTTPClient
    private let limiter: RateLimiter
    private let inFlight: AsyncSemaphore
    /// Why the key cannot be sent, checked once: every request is then refused before it is built.
    private let keyProblem: String?
    /// Whether the API answered lately: `/readyz` reads it.
    public let reachability = APIReachability()

    public init(configuration: AvalaClientConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        var httpConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10)),
            decompression: .disabled
        )
        httpConfiguration.httpVersion = .automatic
        // A refused or unreachable API fails at once, named as such, and is retried here with backoff
        // (whatever the method: nothing was sent). AHC's own retrying would hold each attempt for the
        // whole connect timeout and report only that timeout.
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        self.limiter = RateLimiter(requestsPerMinute: configuration.requestsPerMinute, burst: configuration.burst)
        self.inFlight = AsyncSemaphore(permits: configuration.maxConcurrency)
        self.keyProblem = AvalaClientConfiguration.problem(withAPIKey: configuration.apiKey.revealed)
    }

    /// Called once for each HTTP request the current task sends, every retry included: a caller sets it
    /// to count its own requests (a poller's `avala_bot_poller_api_calls_total`), which a count of pages
    /// read would miss whenever the API misbehaves.
    @TaskLocal public static var onRequest: (@Sendable () -> Void)?

    /// Closes the connections. The client must not be used afterwards.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    // MARK: - Sending

    /// Sends a request and decodes its JSON answer.
    func send<Response: Decodable>(_ request: AvalaRequest, as type: Response.Type = Response.self) async throws -> Response {
        let body = try await sendRaw(request)
        do {
            return try AvalaJSON.makeDecoder().decode(Response.self, from: Data(body))
        } catch {
            throw AvalaError(
                code: .decoding,
                status: 200,
                // Said in the API's terms (the request, the JSON field and what it should hold): the
                // Swift type the answer was read into means nothing to whoever reads the log.
                message: AvalaError.redact(
                    "the answer to \(request.summary) cannot be read: \(Self.notJSON(body) ?? Self.describe(decodingError: error, body: body))",
                    secrets
                ),
                request: request.summary,
                body: AvalaError.redact(String(decoding: body.prefix(300), as: UTF8.self), secrets)
            )
        }
    }

    /// Sends a request whose answer has no body worth reading (204 on DELETE).
    func sendDiscardingBody(_ request: AvalaRequest) async throws {
        _ = try await sendRaw(request)
    }

    /// Sends with the rate budget, the concurrency bound and the retry policy; returns the 2xx body.
    func sendRaw(_ request: AvalaRequest) async throws -> [UInt8] {
        var attempt = 0
        while true {
            try await limiter.acquire()
            do {
                return try await inFlight.withPermit { try await self.sendOnce(request, attempt: attempt) }
            } catch let error as AvalaError {
                guard let delay = retryDelay(for: error, request: request, attempt: attempt) else { throw error }
                attempt += 1
                logger.info(
                    "Retrying Avala request",
                    metadata: [
                        "avala.request": "\(request.summary)", "avala.error": "\(error.code)",
                        // The cause (refused, timed out, a name that does not resolve): the code alone
                        // says only "transport".
                        "error.message": "\(error.message)",
                        "avala.status": "\(error.status.map(String.init) ?? "-")", "retry.attempt": "\(attempt)",
                        "retry.delay_ms": "\(Int(delay.seconds * 1000))",
                    ]
                )
                try await Task.sleep(for: delay)
            }
        }
    }

    /// How long to wait before retrying, or nil when the error is final.
    func retryDelay(for error: AvalaError, request: AvalaRequest, attempt: Int) -> Duration? {
        guard attempt < configuration.maxRetries else { return nil }
        switch error.code {
        case .rateLimited:
            // A long wait is the caller's to schedule (the dispatcher can retry later without holding a task).
            // Compared in seconds before a Duration is built: `retryAfter` is public and Duration traps
            // on values past about 1.7e20 s.
            if let seconds = error.retryAfter {
                guard seconds.isFinite, seconds <= configuration.maxRetryAfter.seconds else { return nil }
                return .seconds(max(seconds, 0))
            }
            let delay = backoff(attempt: attempt)
            return delay <= configuration.maxRetryAfter ? delay : nil
        case .server:
            return request.mayRetryAfterFailure ? backoff(attempt: attempt) : nil
        case .transport:
            // A request that never left (no connection was made) cannot have acted: any method may go again.
            return request.mayRetryAfterFailure || error.neverSent ? backoff(attempt: attempt) : nil
        default:
            return nil
        }
    }

    /// Exponential backoff with full jitter: uniform in [0, min(max, base · 2^attempt)].
    func backoff(attempt: Int) -> Duration {
        let ceiling = min(configuration.backoffMax.seconds, configuration.backoffBase.seconds * pow(2, Double(attempt)))
        return .seconds(Double.random(in: 0...max(ceiling, 0)))
    }

    private var secrets: [String] { [configuration.apiKey.revealed] }

    private func sendOnce(_ request: AvalaRequest, attempt: Int) async throws -> [UInt8] {
        if let keyProblem {
            // The HTTP layer would refuse the header and quote the key in its error.
            reachability.record(status: nil, error: keyProblem)
            throw AvalaError(code: .invalidConfiguration, message: keyProblem, request: request.summary)
        }
        let base = configuration.baseURL
        var url = base.origin + base.path + request.path
        if let query = request.query { url += "?" + query }
        var httpRequest = HTTPClientRequest(url: url)
        httpRequest.method = HTTPMethod(rawValue: request.method.rawValue)
        httpRequest.headers.add(name: "X-Avala-Api-Key", value: configuration.apiKey.revealed)
        httpRequest.headers.add(name: "Accept", value: "application/json")
        httpRequest.headers.add(name: "User-Agent", value: configuration.userAgent)
        if let body = request.body {
            httpRequest.headers.add(name: "Content-Type", value: "application/json")
            httpRequest.body = .bytes(ByteBuffer(bytes: body))
        }

        Self.onRequest?()
        let started = ContinuousClock.now
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]
        do {
            let (http, prepared) = (self.http, httpRequest)
            let (timeout, maxBytes) = (configuration.timeout, configuration.maxResponseBytes)
            let answer = try await withinTimeout {
                let response = try await http.execute(prepared, timeout: .init(timeout))
                let buffer = try await response.body.collect(upTo: maxBytes)
                // A cancelled read can end like a finished body: only a read that was not cancelled is whole.
                try Task.checkCancellation()
                return (Int(response.status.code), response.headers, Array(buffer.readableBytesView))
            }
            (status, headers, body) = answer
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw AvalaError(
                code: .decoding,
                message: "response body is larger than \(configuration.maxResponseBytes) bytes",
                request: request.summary
            )
        } catch {
            // Transport errors may quote request headers, the key among them: only redacted text leaves.
            let message = AvalaError.redact(TransportFailure.describe(error), secrets)
            reachability.record(status: nil, error: message)
            logger.debug(
                "Avala request failed without a response",
                metadata: ["avala.request": "\(request.summary)", "avala.error": "\(message)"]
            )
            var failure = AvalaError(code: .transport, message: message, request: request.summary)
            failure.neverSent = TransportFailure.neverSent(error)
            throw failure
        }

        reachability.record(status: status, error: "\(request.summary) answered \(status)")
        await observeRateLimitHeaders(headers)
        logger.debug(
            "Avala request finished",
            metadata: [
                "avala.request": "\(request.summary)", "avala.status": "\(status)", "retry.attempt": "\(attempt)",
                "duration_ms": "\(Int(started.duration(to: .now).seconds * 1000))",
            ]
        )
        guard (200..<300).contains(status) else {
            throw AvalaError.fromResponse(
                status: status,
                retryAfterHeader: headers.first(name: "Retry-After"),
                body: body,
                request: request.summary,
                redacting: secrets
            )
        }
        return body
    }

    /// `X-RateLimit-Remaining: 0` holds every request of this client until `X-RateLimit-Reset`.
    private func observeRateLimitHeaders(_ headers: HTTPHeaders) async {
        guard let remaining = headers.first(name: "X-RateLimit-Remaining").flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }),
            remaining <= 0,
            let reset = headers.first(name: "X-RateLimit-Reset").flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) })
        else { return }
        // A reset far in the future is a clock problem or a bad header: hold at most maxRetryAfter.
        let wait = min(max(reset - Date().timeIntervalSince1970, 0), configuration.maxRetryAfter.seconds)
        guard wait > 0 else { return }
        logger.info("Avala rate budget spent; holding requests", metadata: ["hold.ms": "\(Int(wait * 1000))"])
        await limiter.hold(for: .seconds(wait))
    }

    /// Where a body that is not JSON at all stops being JSON, in Foundation's words (`Invalid value around
    /// character 16.`), or that it is empty; nil for a JSON body. JSONDecoder says only "not valid JSON",
    /// which does not tell a cut-off answer from a proxy's HTML page. Parsed again only on this error path.
    static func notJSON(_ body: [UInt8]) -> String? {
        guard !body.isEmpty else { return "the body is empty" }
        do {
            _ = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
            return nil
        } catch {
            let detail = (error as NSError).userInfo["NSDebugDescription"] as? String
            return "the body is not JSON" + (detail.map { ": \($0)" } ?? "")
        }
    }
}
