/// An error from the Avala API client, mirroring the official SDK's exception classes.
///
/// The set of codes may grow, so it is a struct with static codes rather than an enum. Every error carries
/// the HTTP status (when there was a response), the server's `detail`, and the method and path of the
/// request — never the API key, which is also removed from any text the server echoed back.
///
/// ```swift
/// do { _ = try await client.export(uid: "x") }
/// catch let error as AvalaError where error.code == .notFound { … }
/// ```
public struct AvalaError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// 401: the key is missing, wrong or expired.
        public static let authentication = Code("authentication")
        /// 403: the key may not do this.
        public static let forbidden = Code("forbidden")
        /// 404.
        public static let notFound = Code("notFound")
        /// 429; see ``AvalaError/retryAfter``.
        public static let rateLimited = Code("rateLimited")
        /// 400 or 422; see ``AvalaError/details``.
        public static let validation = Code("validation")
        /// 413 whose body carries integer `limit` and `used`.
        public static let quotaExceeded = Code("quotaExceeded")
        /// 5xx.
        public static let server = Code("server")
        /// No response: connection refused or dropped, TLS failure, timeout.
        public static let transport = Code("transport")
        /// A 3xx answer, which is never followed because it would replay the key to another URL.
        public static let redirect = Code("redirect")
        /// Any other status (405, 409, a plain 413, …).
        public static let http = Code("http")
        /// A 2xx answer whose body is not what the endpoint returns.
        public static let decoding = Code("decoding")
        /// The request was refused before it was sent (a bad path segment).
        public static let invalidRequest = Code("invalidRequest")
        /// The client's configuration is unusable (a bad base URL).
        public static let invalidConfiguration = Code("invalidConfiguration")
    }

    public var code: Code
    /// The HTTP status, when a response arrived.
    public var status: Int?
    /// The server's `detail` when it is a string, else `HTTP <status>`, or what went wrong locally.
    public var message: String
    /// For `.rateLimited`: the server's `Retry-After`, in seconds.
    public var retryAfter: Double?
    /// For `.validation`: one line per problem, `field: message`.
    public var details: [String]
    /// For `.quotaExceeded`.
    public var quota: Quota?
    /// The request, as `GET /exports/{uid}/` would read (path only, no query string).
    public var request: String?
    /// The start of the response body, for diagnosis (secrets removed).
    public var body: String?
    /// For `.transport`: no connection was made, so the server cannot have seen the request.
    var neverSent = false

    public struct Quota: Hashable, Sendable {
        public var limit: Int
        public var used: Int
    }

    public init(
        code: Code,
        status: Int? = nil,
        message: String,
        retryAfter: Double? = nil,
        details: [String] = [],
        quota: Quota? = nil,
        request: String? = nil,
        body: String? = nil
    ) {
        self.code = code
        self.status = status
        self.message = message
        self.retryAfter = retryAfter
        self.details = details
        self.quota = quota
        self.request = request
        self.body = body
    }

    public static func invalidConfiguration(_ message: String) -> AvalaError {
        AvalaError(code: .invalidConfiguration, message: message)
    }

    public static func invalidRequest(_ message: String) -> AvalaError {
        AvalaError(code: .invalidRequest, message: message)
    }

    /// Whether a retry could succeed: rate limits, server errors and transport failures.
    public var isTransient: Bool {
        code == .rateLimited || code == .server || code == .transport
    }

    public var description: String {
        var text = "Avala API \(code)"
        if let status { text += " (HTTP \(status))" }
        // A message that names the request already (an answer that cannot be read) is not made to say it twice.
        if let request, !message.contains(request) { text += " on \(request)" }
        text += ": \(message)"
        if !details.isEmpty { text += " [\(details.joined(separator: "; "))]" }
        if let retryAfter { text += " (retry after \(retryAfter)s)" }
        return text
    }
}
