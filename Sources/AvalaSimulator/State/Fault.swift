/// A fault injected into matching API requests (`POST /_sim/faults`).
///
/// A fault matches requests whose path starts with `pathPrefix` (and whose method is `method`, when set).
/// It applies to every match, to a random share (`rate`), or to the next `count` matches. It may add
/// latency, stall the body after the head (`stallBodyMs`), answer `status` (429 with `retryAfter` seconds, or `retryAfterHeader` verbatim; 3xx with
/// `location`), answer `body` verbatim (a malformed or wrongly-shaped answer), or drop the connection.
public struct Fault: Codable, Hashable, Sendable {
    public var pathPrefix: String
    public var method: String?
    public var status: Int?
    public var rate: Double?
    public var count: Int?
    public var retryAfter: Int?
    /// The `Retry-After` text sent as is (`1e21`, an HTTP-date), instead of `retryAfter`.
    public var retryAfterHeader: String?
    public var latencyMs: Int?
    /// Send the answer's head at once and its body only after this many milliseconds.
    public var stallBodyMs: Int?
    public var drop: Bool?
    /// Handle the request (its effect happens), then cut the connection before the answer: the client
    /// cannot know whether it worked — the case idempotent retries must survive.
    public var dropAfterHandling: Bool?
    public var location: String?
    /// The answer's body, sent as is with `status` (200 when unset) and a JSON content type, instead of
    /// handling the request: broken JSON, or JSON of the wrong shape, as a misbehaving API would send.
    public var body: String?

    public init(
        pathPrefix: String,
        method: String? = nil,
        status: Int? = nil,
        rate: Double? = nil,
        count: Int? = nil,
        retryAfter: Int? = nil,
        retryAfterHeader: String? = nil,
        latencyMs: Int? = nil,
        stallBodyMs: Int? = nil,
        drop: Bool? = nil,
        dropAfterHandling: Bool? = nil,
        location: String? = nil,
        body: String? = nil
    ) {
        self.pathPrefix = pathPrefix
        self.method = method
        self.status = status
        self.rate = rate
        self.count = count
        self.retryAfter = retryAfter
        self.retryAfterHeader = retryAfterHeader
        self.latencyMs = latencyMs
        self.stallBodyMs = stallBodyMs
        self.drop = drop
        self.dropAfterHandling = dropAfterHandling
        self.location = location
        self.body = body
    }

    enum CodingKeys: String, CodingKey {
        case method, status, rate, count, drop, location, body
        case pathPrefix = "path_prefix"
        case dropAfterHandling = "drop_after_handling"
        case retryAfter = "retry_after"
        case retryAfterHeader = "retry_after_header"
        case latencyMs = "latency_ms"
        case stallBodyMs = "stall_body_ms"
    }
}

/// An API request as the simulator saw it (`GET /_sim/requests`); the key is never recorded.
public struct RecordedRequest: Codable, Hashable, Sendable {
    public var method: String
    public var path: String
    public var query: String?
    public var body: String?
    /// Whether an `X-Avala-Api-Key` header was present.
    public var hasAPIKey: Bool
    public var status: Int?

    enum CodingKeys: String, CodingKey {
        case method, path, query, body, status
        case hasAPIKey = "has_api_key"
    }
}
