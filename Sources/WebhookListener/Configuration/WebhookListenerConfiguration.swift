/// Everything the webhook listener needs, filled by AvalaBot from the `listener` section.
///
/// | key | type | default | meaning |
/// |---|---|---|---|
/// | `host`, `port` (`listener.bind`) | host, port | `0.0.0.0`, 8443 | port 0 picks a free port (tests) |
/// | `paths` (`listener.path`/`verify`, `listener.paths`) | ``WebhookPath`` list | one `/webhooks/avala`, scheme `avala` | each with its own verification, source and format |
/// | `tls` (`listener.tls`) | ``WebhookTLS`` | nil | PEM chain and key, `client_ca` for mTLS, `min_version` (1.2) |
/// | `plainHTTP` (`listener.plain_http`) | bool | false | serving without `tls` needs this set, explicitly |
/// | `http2` (`listener.http2`) | bool | true | with `tls`: HTTP/2 or HTTP/1.1 by ALPN; off → HTTP/1.1 only. No effect without `tls` (no h2c) |
/// | `maxBody` (`listener.max_body`) | bytes | 1 MiB | 413 beyond, without reading the rest |
/// | `requestTimeout` (`listener.request_timeout`) | duration | 10 s | reading the body (408), and, plus 1 s, the idle time of a connection or HTTP/2 stream |
/// | `perIP` (`listener.per_ip`) | ``WebhookRateLimit`` | 50/s, burst 100 | 429 beyond |
/// | `allowCIDRs` (`listener.allow_cidrs`) | CIDR list | nil (everyone) | set → only these clients (403 otherwise) |
/// | `trustedProxies` (`listener.trusted_proxies`) | CIDR list | [] | only these peers may name the client in `X-Forwarded-For` |
/// | `rejectedBurst` | ``RejectedBurstPolicy`` | 20 rejections per 60 s | then one `bot.webhook.rejected_burst` event per source and window |
/// | `retryAfter` | seconds | 5 | the `Retry-After` of a 503 when the store cannot write |
/// | `serverName` | string | `avala-bot` | the `Server` header |
/// | `certificateCheckInterval` | duration | 1 day | how often, while serving, the certificate's expiry is checked again (a warning within 14 days of it) |
/// | `metrics`, `status` | closures | nil | what `/metrics` and `/status` render; nil: no such route |
/// | `apiProblem` | closure | nil | a short verdict when the Avala API counts as not reached; `/readyz` answers 503 with it |
public struct WebhookListenerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var paths: [WebhookPath]
    public var tls: WebhookTLS?
    public var plainHTTP: Bool
    /// With `tls`: offer HTTP/2 (ALPN `h2`) besides HTTP/1.1. Without `tls` it has no effect: h2c is not offered.
    public var http2: Bool
    public var maxBody: Int
    public var requestTimeout: Duration
    public var perIP: WebhookRateLimit
    public var allowCIDRs: [String]?
    public var trustedProxies: [String]
    public var rejectedBurst: RejectedBurstPolicy
    public var retryAfter: Int
    public var serverName: String
    /// How often, while serving, the served certificate's expiry is checked again (besides at start and
    /// at each reload); tests shorten it.
    public var certificateCheckInterval: Duration = .seconds(86_400)
    /// Renders the Prometheus text for `GET /metrics`; nil: no such route.
    public var metrics: (@Sendable () async -> String)?
    /// Renders the HTML for `GET /status`; nil: no such route.
    public var status: (@Sendable () async -> String)?
    /// A short verdict when the Avala API counts as not reached (`api unreachable`), which `GET /readyz`
    /// answers with, so it must name no request or error; nil (or a nil answer): no such check.
    public var apiProblem: (@Sendable () -> String?)?

    public init(
        host: String = "0.0.0.0",
        port: Int = 8443,
        paths: [WebhookPath] = [WebhookPath()],
        tls: WebhookTLS? = nil,
        plainHTTP: Bool = false,
        http2: Bool = true,
        maxBody: Int = 1_048_576,
        requestTimeout: Duration = .seconds(10),
        perIP: WebhookRateLimit = WebhookRateLimit(),
        allowCIDRs: [String]? = nil,
        trustedProxies: [String] = [],
        rejectedBurst: RejectedBurstPolicy = RejectedBurstPolicy(),
        retryAfter: Int = 5,
        serverName: String = "avala-bot",
        metrics: (@Sendable () async -> String)? = nil
    ) {
        self.host = host
        self.port = port
        self.paths = paths
        self.tls = tls
        self.plainHTTP = plainHTTP
        self.http2 = http2
        self.maxBody = maxBody
        self.requestTimeout = requestTimeout
        self.perIP = perIP
        self.allowCIDRs = allowCIDRs
        self.trustedProxies = trustedProxies
        self.rejectedBurst = rejectedBurst
        self.retryAfter = retryAfter
        self.serverName = serverName
        self.metrics = metrics
    }

    /// The routes the listener serves itself: no webhook path may take one.
    static let reservedPaths: Set<String> = ["/healthz", "/readyz", "/metrics", "/status"]

    /// Checks everything that needs no file and no socket: TLS or an explicit `plain_http`, the paths,
    /// each path's secrets for its scheme, and the CIDRs. `check-config` runs it, and the listener again
    /// before it binds.
    ///
    /// - Throws: ``WebhookListenerError`` with code `invalidConfiguration`, naming the path at fault: the
    ///   first of ``problems()``.
    public func validate() throws(WebhookListenerError) {
        if let first = problems().first { throw first.error }
    }

    /// One thing ``validate()`` refuses, with the key it is about.
    public struct Problem: Sendable {
        /// Below `listener`, as the paths are given here (`paths[1].path`, `paths[0].verify`,
        /// `allow_cidrs[2]`); empty for the section as a whole.
        public var key: String
        public var error: WebhookListenerError
    }

    /// Why `path` (which starts with `/`) is not a plain path, or nil when it is one. The router reads
    /// `{name}`, `:name`, `*` and `**` as patterns, and takes `/a/` and `/a//b` for `/a` and `/a/b`: two
    /// such paths would be one route, which the router refuses only when the listener starts.
    static func plainPathProblem(_ path: String) -> String? {
        guard path != "/" else { return nil }
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if segments.last?.isEmpty == true { return "must not end with /" }
        if segments.contains(where: \.isEmpty) { return "must not hold an empty segment (//)" }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()+,;=@:")
        for segment in segments {
            // A client resolves these before it sends the request: such a path could never be reached.
            if segment == "." || segment == ".." { return "must not hold a '\(segment)' segment" }
            if segment.hasPrefix(":") { return "has a segment starting with ':', which the router reads as a parameter" }
            if let bad = segment.first(where: { !allowed.contains($0) }) {
                let why = "{}*".contains(bad) ? ", which the router reads as a pattern" : ""
                return "holds '\(bad)'\(why): write a plain path such as /webhooks/avala"
            }
        }
        return nil
    }

    /// Everything ``validate()`` refuses, not just the first, so `check-config` reports them all.
    public func problems() -> [Problem] {
        var problems: [Problem] = []
        func refuse(_ key: String, _ message: String) {
            problems.append(Problem(key: key, error: WebhookListenerError(.invalidConfiguration, message)))
        }
        if tls == nil, !plainHTTP {
            refuse("", "listener needs tls {cert, key}, or plain_http: true")
        }
        if paths.isEmpty {
            refuse("paths", "listener has no paths")
        }
        var seen: Set<String> = []
        for (index, path) in paths.enumerated() {
            if !path.path.hasPrefix("/") {
                refuse("paths[\(index)].path", "listener path '\(path.path)' must start with /")
            } else if let problem = Self.plainPathProblem(path.path) {
                refuse("paths[\(index)].path", "listener path '\(path.path)' \(problem)")
            } else if Self.reservedPaths.contains(path.path) {
                refuse(
                    "paths[\(index)].path",
                    "listener path '\(path.path)' is the listener's own route (\(Self.reservedPaths.sorted().joined(separator: ", ")))"
                )
            } else if !seen.insert(path.path).inserted {
                refuse("paths[\(index)].path", "listener path '\(path.path)' is configured twice")
            }
            do {
                _ = try path.verifier()
            } catch {
                problems.append(Problem(key: "paths[\(index)].verify", error: error))
            }
        }
        // One by one, so that each bad entry is named by its index.
        for (index, cidr) in (allowCIDRs ?? []).enumerated() {
            do {
                _ = try ClientAddressResolver(allowCIDRs: [cidr], trustedProxies: [])
            } catch {
                problems.append(Problem(key: "allow_cidrs[\(index)]", error: error))
            }
        }
        for (index, cidr) in trustedProxies.enumerated() {
            do {
                _ = try ClientAddressResolver(allowCIDRs: nil, trustedProxies: [cidr])
            } catch {
                problems.append(Problem(key: "trusted_proxies[\(index)]", error: error))
            }
        }
        return problems
    }

    /// Splits `listener.bind` (`0.0.0.0:8443`, `[::1]:8443`) into host and port.
    ///
    /// - Throws: ``WebhookListenerError`` with code `invalidConfiguration` when it is not `host:port`.
    public static func parseBind(_ bind: String) throws(WebhookListenerError) -> (host: String, port: Int) {
        guard let colon = bind.lastIndex(of: ":"), let port = Int(bind[bind.index(after: colon)...]), (0...65_535).contains(port)
        else {
            throw WebhookListenerError(.invalidConfiguration, "must be host:port (0.0.0.0:8443, [::1]:8443; a port up to 65535), got '\(bind)'")
        }
        var host = String(bind[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}

/// One path the listener serves (`listener.paths[]`).
///
/// - `path` (default `/webhooks/avala`).
/// - `source` (default `avala`): the sender's name in delivery keys (`delivery:<source>:<id>`) and in
///   `bot.webhook.rejected_burst`.
/// - `verification` (default scheme `avala` with no secrets — which the listener refuses to start with:
///   a forgotten secret never means "accept all", nor a listener that answers every delivery 401).
/// - `format` (default `avala`).
public struct WebhookPath: Sendable {
    public var path: String
    public var source: String
    public var verification: WebhookVerification
    public var format: WebhookFormat

    public init(
        path: String = "/webhooks/avala",
        source: String = "avala",
        verification: WebhookVerification = WebhookVerification(),
        format: WebhookFormat = .avala
    ) {
        self.path = path
        self.source = source
        self.verification = verification
        self.format = format
    }

    /// This path's verifier.
    ///
    /// - Throws: ``WebhookListenerError`` when the secrets do not suit the scheme, naming the path.
    func verifier() throws(WebhookListenerError) -> SignatureVerifier {
        do {
            return try SignatureVerifier(verification)
        } catch {
            throw WebhookListenerError(error.code, "listener path '\(path)': \(error.message)")
        }
    }
}

/// How a path's bodies become events.
public enum WebhookFormat: String, Sendable, CaseIterable {
    /// Avala's deliveries (the bare resource or an envelope), normalized by `EventNormalizer`.
    case avala
    /// The bot's own event form `{type, data, id?, chain_depth?}`, as another bot's `forward` sends it.
    case avalaBot = "avala-bot"
}

/// `…verify`: scheme, secrets and timestamp tolerance.
public struct WebhookVerification: Sendable {
    public var scheme: WebhookScheme
    /// Several at once, for rotation: a delivery signed by any of them is accepted.
    public var secrets: [WebhookSecret]
    /// For schemes that carry a timestamp (`standard-webhooks`, `stripe`), both ways.
    public var tolerance: Duration

    public init(scheme: WebhookScheme = .avala, secrets: [WebhookSecret] = [], tolerance: Duration = .seconds(300)) {
        self.scheme = scheme
        self.secrets = secrets
        self.tolerance = tolerance
    }
}

/// `listener.tls`: PEM files, optional client CA (mTLS) and the lowest TLS version accepted.
public struct WebhookTLS: Sendable {
    public enum MinimumVersion: String, Sendable {
        case tls12 = "1.2"
        case tls13 = "1.3"
    }

    public var certificateChainPath: String
    public var privateKeyPath: String
    /// Set → every client must present a certificate that chains to one in this PEM bundle. Read again
    /// from this path by ``WebhookListener/reloadClientCA()`` (SIGHUP).
    public var clientCAPath: String?
    public var minimumVersion: MinimumVersion

    public init(certificateChainPath: String, privateKeyPath: String, clientCAPath: String? = nil, minimumVersion: MinimumVersion = .tls12) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.clientCAPath = clientCAPath
        self.minimumVersion = minimumVersion
    }
}

/// `listener.per_ip`: a token bucket per client address.
public struct WebhookRateLimit: Sendable {
    public var ratePerSecond: Double
    public var burst: Int

    public init(ratePerSecond: Double = 50, burst: Int = 100) {
        self.ratePerSecond = ratePerSecond
        self.burst = burst
    }
}

/// When rejections become a `bot.webhook.rejected_burst` event: `threshold` rejections for one source
/// within one fixed `window` raise exactly one event for that window.
public struct RejectedBurstPolicy: Sendable {
    public var threshold: Int
    public var window: Duration

    public init(threshold: Int = 20, window: Duration = .seconds(60)) {
        self.threshold = threshold
        self.window = window
    }
}
