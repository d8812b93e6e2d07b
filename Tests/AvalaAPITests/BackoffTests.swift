import Logging
import Testing

@testable import AvalaAPI

/// The retry policy decides whether a request may be sent twice, so it is checked on its pure functions,
/// without waiting out any delay: a POST that created something must never be repeated after a 5xx.
@Suite struct BackoffTests {
    private static let backoffBase = 1.0
    private static let backoffMax = 8.0
    private static let maxRetries = 3
    private static let maxRetryAfter = 60.0

    private func withClient(_ body: (AvalaClient) throws -> Void) async throws {
        let configuration = AvalaClientConfiguration(
            apiKey: "avk_test_backoff",
            maxRetries: Self.maxRetries,
            backoffBase: .seconds(Self.backoffBase),
            backoffMax: .seconds(Self.backoffMax),
            maxRetryAfter: .seconds(Self.maxRetryAfter)
        )
        let client = AvalaClient(
            configuration: configuration,
            logger: Logger(label: "BackoffTests", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        do {
            try body(client)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private func request(_ method: AvalaRequest.Method, retrySafe: Bool = false) -> AvalaRequest {
        var request = AvalaRequest(method: method, encodedPath: "/exports/", encodedQuery: nil)
        request.retrySafe = retrySafe
        return request
    }

    private func error(_ code: AvalaError.Code, status: Int? = nil, retryAfter: Double? = nil) -> AvalaError {
        AvalaError(code: code, status: status, message: "test", retryAfter: retryAfter)
    }

    private func ceiling(_ attempt: Int) -> Double {
        min(Self.backoffMax, Self.backoffBase * Double(1 << attempt))
    }

    // MARK: - backoff(attempt:)

    @Test(arguments: 0...6)
    func backoffStaysWithinTheJitterWindow(attempt: Int) async throws {
        try await withClient { client in
            let limit = ceiling(attempt)
            let samples = (0..<300).map { _ in client.backoff(attempt: attempt).seconds }
            for sample in samples {
                #expect(sample >= 0)
                #expect(sample <= limit)
            }
            // Full jitter spreads callers out; a constant delay would make them retry in lockstep.
            #expect(Set(samples).count > 1)
            // Both halves of the window are used (each check fails by chance with probability 2^-300).
            #expect(samples.contains { $0 < limit / 2 })
            #expect(samples.contains { $0 > limit / 2 })
        }
    }

    @Test func backoffCeilingGrowsThenCaps() async throws {
        try await withClient { client in
            // The largest of many samples approaches the window's top: 1, 2, 4, then capped at 8.
            func largest(_ attempt: Int) -> Double {
                (0..<400).map { _ in client.backoff(attempt: attempt).seconds }.max() ?? 0
            }
            #expect(largest(0) > 0.5)
            #expect(largest(1) > 1.0)
            #expect(largest(2) > 2.0)
            #expect(largest(3) > 4.0)
            #expect(largest(40) <= Self.backoffMax)
            #expect(largest(10_000) <= Self.backoffMax)
        }
    }

    // MARK: - retryDelay(for:request:attempt:)

    @Test(arguments: [AvalaError.Code.server, .transport])
    func nonIdempotentPostIsNotRetriedAfterAFailure(code: AvalaError.Code) async throws {
        try await withClient { client in
            #expect(client.retryDelay(for: error(code, status: 500), request: request(.post), attempt: 0) == nil)
            #expect(client.retryDelay(for: error(code, status: 503), request: request(.patch), attempt: 0) == nil)
        }
    }

    @Test(arguments: [AvalaError.Code.server, .transport])
    func postMarkedRetrySafeIsRetried(code: AvalaError.Code) async throws {
        try await withClient { client in
            let delay = client.retryDelay(
                for: error(code, status: 500),
                request: request(.post, retrySafe: true),
                attempt: 0
            )
            let seconds = try #require(delay).seconds
            #expect(seconds >= 0 && seconds <= ceiling(0))
        }
    }

    @Test(arguments: [AvalaRequest.Method.get, .put, .delete])
    func idempotentRequestIsRetriedAfterAServerError(method: AvalaRequest.Method) async throws {
        try await withClient { client in
            for attempt in 0..<Self.maxRetries {
                let delay = client.retryDelay(for: error(.server, status: 503), request: request(method), attempt: attempt)
                let seconds = try #require(delay).seconds
                #expect(seconds >= 0 && seconds <= ceiling(attempt))
            }
        }
    }

    @Test(arguments: [
        (AvalaError.Code.notFound, 404), (.validation, 400), (.validation, 422), (.authentication, 401),
        (.forbidden, 403), (.http, 409), (.http, 405), (.quotaExceeded, 413), (.redirect, 301), (.decoding, 200),
    ])
    func otherFailuresAreNeverRetried(code: AvalaError.Code, status: Int) async throws {
        try await withClient { client in
            for method in [AvalaRequest.Method.get, .post, .put, .delete] {
                #expect(client.retryDelay(for: error(code, status: status), request: request(method), attempt: 0) == nil)
            }
        }
    }

    @Test(arguments: [AvalaRequest.Method.get, .post, .patch, .put, .delete])
    func rateLimitWaitsRetryAfterOnAnyMethod(method: AvalaRequest.Method) async throws {
        try await withClient { client in
            // The server did not act on a 429, so even a POST may be sent again.
            let delay = client.retryDelay(
                for: error(.rateLimited, status: 429, retryAfter: 30),
                request: request(method),
                attempt: 0
            )
            #expect(delay == .seconds(30))
            let fractional = client.retryDelay(
                for: error(.rateLimited, status: 429, retryAfter: 1.5),
                request: request(method),
                attempt: 1
            )
            #expect(fractional == .milliseconds(1500))
        }
    }

    @Test func rateLimitWithoutRetryAfterBacksOff() async throws {
        try await withClient { client in
            for attempt in 0..<Self.maxRetries {
                let delay = client.retryDelay(
                    for: error(.rateLimited, status: 429),
                    request: request(.post),
                    attempt: attempt
                )
                let seconds = try #require(delay).seconds
                #expect(seconds >= 0 && seconds <= ceiling(attempt))
            }
        }
    }

    /// A `Retry-After` of any length (the header is read as a Double) is left to the caller, without
    /// being made into a Duration first, which would trap.
    @Test(arguments: [1e15, 1e300])
    func aHugeRetryAfterIsLeftToTheCallerWithoutTrapping(seconds: Double) async throws {
        try await withClient { client in
            #expect(client.retryDelay(for: error(.rateLimited, status: 429, retryAfter: seconds), request: request(.get), attempt: 0) == nil)
        }
    }

    @Test func retryAfterBeyondTheLimitIsLeftToTheCaller() async throws {
        try await withClient { client in
            let atLimit = client.retryDelay(
                for: error(.rateLimited, status: 429, retryAfter: Self.maxRetryAfter),
                request: request(.get),
                attempt: 0
            )
            #expect(atLimit == .seconds(Self.maxRetryAfter))
            let beyond = client.retryDelay(
                for: error(.rateLimited, status: 429, retryAfter: Self.maxRetryAfter + 1),
                request: request(.get),
                attempt: 0
            )
            #expect(beyond == nil)
            let far = client.retryDelay(
                for: error(.rateLimited, status: 429, retryAfter: 3600),
                request: request(.get),
                attempt: 0
            )
            #expect(far == nil)
        }
    }

    @Test func nothingIsRetriedAfterMaxRetries() async throws {
        try await withClient { client in
            let get = request(.get)
            let last = Self.maxRetries - 1
            #expect(client.retryDelay(for: error(.server, status: 500), request: get, attempt: last) != nil)
            #expect(
                client.retryDelay(for: error(.rateLimited, status: 429, retryAfter: 1), request: get, attempt: last) != nil
            )
            for attempt in [Self.maxRetries, Self.maxRetries + 1, 100] {
                #expect(client.retryDelay(for: error(.server, status: 500), request: get, attempt: attempt) == nil)
                #expect(client.retryDelay(for: error(.transport), request: get, attempt: attempt) == nil)
                #expect(
                    client.retryDelay(for: error(.rateLimited, status: 429, retryAfter: 1), request: get, attempt: attempt)
                        == nil
                )
            }
        }
    }

    @Test func retryDecisionAgreesWithTheResponseMapping() async throws {
        // End to end through the mapping: what a real 503 or 429 response becomes is what gets retried.
        try await withClient { client in
            let get = request(.get)
            let unavailable = AvalaError.fromResponse(
                status: 503,
                retryAfterHeader: nil,
                body: [],
                request: get.summary,
                redacting: []
            )
            #expect(client.retryDelay(for: unavailable, request: get, attempt: 0) != nil)
            #expect(client.retryDelay(for: unavailable, request: request(.post), attempt: 0) == nil)

            let throttled = AvalaError.fromResponse(
                status: 429,
                retryAfterHeader: "7",
                body: Array(#"{"detail": "Request was throttled."}"#.utf8),
                request: "POST /exports/",
                redacting: []
            )
            #expect(client.retryDelay(for: throttled, request: request(.post), attempt: 0) == .seconds(7))

            let missing = AvalaError.fromResponse(
                status: 404,
                retryAfterHeader: nil,
                body: Array(#"{"detail": "Not found."}"#.utf8),
                request: get.summary,
                redacting: []
            )
            #expect(client.retryDelay(for: missing, request: get, attempt: 0) == nil)
        }
    }
}
