import AvalaAPI
import BotEngine

/// `listener.*`: the TLS webhook listener. An absent section means no listener (pollers only).
struct ListenerSection: Decodable, Equatable, Sendable {
    var bind = "0.0.0.0:8443"
    var path: String?
    var verify: VerifySection?
    var paths: [PathSection]?
    var tls: TLSSection?
    var plainHTTP = false
    /// HTTP/2 besides HTTP/1.1 (ALPN); nil → on with `tls`. Needs `tls`: h2c is not offered.
    var http2: Bool?
    var maxBody = SizeSetting(bytes: 1_048_576)
    var requestTimeout = DurationSetting(.seconds(10))
    var perIP = PerIP()
    var allowCIDRs: [String]?
    var trustedProxies: [String]?
    /// Serve `/status` (recent events, actions, dead letters). It shows event data such as members'
    /// addresses: turn it off on a listener that strangers can reach, or restrict it with `allow_cidrs`.
    var statusPage = true
    /// `plain_http` was a reference `check-config --no-env` left unresolved: it may come as true.
    var plainHTTPToCome = false

    /// This section with `other`'s verification for each path this one serves, paired by path (never by
    /// place: a reordered list must not hand a path another's secrets), in either form (`path` with
    /// `verify`, or `paths`); a path `other` no longer has keeps its own. Equal to `other` exactly when
    /// verification is all that differs, which a reload applies without a restart.
    func replacingVerification(with other: ListenerSection) -> ListenerSection {
        let verifications = other.verificationByPath
        var copy = self
        if var paths = copy.paths {
            for index in paths.indices {
                if let verify = verifications[paths[index].path] { paths[index].verify = verify }
            }
            copy.paths = paths
        } else if let verify = verifications[servedPath] {
            copy.verify = verify
        }
        return copy
    }

    /// The shorthand's one path.
    var servedPath: String { path ?? "/webhooks/avala" }

    /// Each served path's `verify` as written (nil: the default secret), in either form.
    var verificationByPath: [String: VerifySection?] {
        guard let paths else { return [servedPath: verify] }
        // A path listed twice is a config error; the first is the one a check names.
        return Dictionary(paths.map { ($0.path, $0.verify) }, uniquingKeysWith: { first, _ in first })
    }

    struct VerifySection: Decodable, Equatable, Sendable {
        var scheme = "avala"
        /// Default `[$AVALA_WEBHOOK_SECRET]`.
        var secrets: [SecretString]?
        var tolerance = DurationSetting(.seconds(300))

        enum CodingKeys: String, CodingKey, CaseIterable { case scheme, secrets, tolerance }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            scheme = try c.choice(.scheme, ["avala", "standard-webhooks", "github", "stripe", "none"]) ?? scheme
            secrets = try c.decodeIfPresent([String].self, forKey: .secrets)?.map { SecretString($0) }
            tolerance = try c.positiveDuration(.tolerance) ?? tolerance
        }
    }

    struct PathSection: Decodable, Equatable, Sendable {
        var path: String
        var source: String?
        var verify: VerifySection?
        var format = "avala"

        enum CodingKeys: String, CodingKey, CaseIterable { case path, source, verify, format }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            path = try c.decode(String.self, forKey: .path)
            source = try c.decodeIfPresent(String.self, forKey: .source)
            verify = try c.decodeIfPresent(VerifySection.self, forKey: .verify)
            format = try c.choice(.format, ["avala", "avala-bot"]) ?? format
        }
    }

    struct TLSSection: Decodable, Equatable, Sendable {
        var cert: String
        var key: String
        var clientCA: String?
        var minVersion = "1.2"

        enum CodingKeys: String, CodingKey, CaseIterable {
            case cert, key
            case clientCA = "client_ca"
            case minVersion = "min_version"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            cert = try c.decode(String.self, forKey: .cert)
            key = try c.decode(String.self, forKey: .key)
            clientCA = try c.decodeIfPresent(String.self, forKey: .clientCA)
            minVersion = try c.choice(.minVersion, ["1.2", "1.3"]) ?? minVersion
        }
    }

    struct PerIP: Decodable, Equatable, Sendable {
        var ratePerSecond = 50.0
        var burst = 100

        enum CodingKeys: String, CodingKey, CaseIterable {
            case ratePerSecond = "rate_per_second"
            case burst
        }

        init() {}

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            ratePerSecond = try c.decodeIfPresent(Double.self, forKey: .ratePerSecond) ?? ratePerSecond
            // Zero would let each client its burst and then refuse it for good. Reported, not thrown, so a
            // wrong burst beside it is reported in the same run.
            if !(ratePerSecond > 0 && ratePerSecond.isFinite) {
                try c.report(
                    DecodingError.dataCorrupted(
                        .init(codingPath: c.codingPath + [CodingKeys.ratePerSecond], debugDescription: "must be above 0, found \(ratePerSecond)")
                    )
                )
                ratePerSecond = 50
            }
            burst = try c.positive(.burst) ?? burst
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case bind, path, verify, paths, tls
        case plainHTTP = "plain_http"
        case http2
        case maxBody = "max_body"
        case
            requestTimeout = "request_timeout"
        case perIP = "per_ip"
        case allowCIDRs = "allow_cidrs"
        case
            trustedProxies = "trusted_proxies"
        case statusPage = "status_page"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        bind = try c.decodeIfPresent(String.self, forKey: .bind) ?? bind
        path = try c.decodeIfPresent(String.self, forKey: .path)
        verify = try c.decodeIfPresent(VerifySection.self, forKey: .verify)
        paths = try c.decodeIfPresent([PathSection].self, forKey: .paths)
        tls = try c.decodeIfPresent(TLSSection.self, forKey: .tls)
        let plainHTTPValue = try c.decodeIfPresent(Bool.self, forKey: .plainHTTP)
        plainHTTP = plainHTTPValue ?? plainHTTP
        // Written but not a flag: reported already, and whether TLS is needed is then not known.
        let plainHTTPRefused = c.contains(.plainHTTP) && plainHTTPValue == nil
        http2 = try c.decodeIfPresent(Bool.self, forKey: .http2)
        maxBody = try c.decodeIfPresent(SizeSetting.self, forKey: .maxBody) ?? maxBody
        if maxBody.bytes < 1 {
            try c.report(
                DecodingError.dataCorrupted(
                    .init(codingPath: c.codingPath + [CodingKeys.maxBody], debugDescription: "must be at least 1 byte: every delivery would be 413")
                )
            )
            maxBody = SizeSetting(bytes: 1_048_576)
        }
        requestTimeout = try c.positiveDuration(.requestTimeout) ?? requestTimeout
        perIP = try c.decodeIfPresent(PerIP.self, forKey: .perIP) ?? perIP
        allowCIDRs = try c.decodeIfPresent([String].self, forKey: .allowCIDRs)
        trustedProxies = try c.decodeIfPresent([String].self, forKey: .trustedProxies)
        statusPage = try c.decodeIfPresent(Bool.self, forKey: .statusPage) ?? statusPage
        // `plain_http` left unresolved (`check-config --no-env`): whether it will be true is not known.
        plainHTTPToCome =
            (try? c.decodeIfPresent(String.self, forKey: .plainHTTP)).flatMap { $0 }.map { ConfigReference($0) != nil } ?? false
        // A `tls` written but unreadable has been reported already (going on past errors).
        if tls == nil, !c.contains(.tls), !plainHTTP, !plainHTTPToCome, !plainHTTPRefused {
            try c.report(
                DecodingError.dataCorrupted(
                    .init(
                        codingPath: codingPathFor(c),
                        debugDescription: "needs tls {cert, key}, or plain_http: true behind a terminating proxy"
                    )
                )
            )
        }
        // Which one is meant cannot be told: serving plain HTTP would drop the certificate silently.
        if tls != nil, plainHTTP {
            try c.report(
                DecodingError.dataCorrupted(
                    .init(
                        codingPath: c.codingPath + [CodingKeys.plainHTTP],
                        debugDescription:
                            "plain_http: true and tls cannot go together: remove tls to serve plain HTTP behind a proxy, or plain_http to serve TLS"
                    )
                )
            )
        }
        if tls == nil, !c.contains(.tls), http2 == true {
            try c.report(
                DecodingError.dataCorrupted(
                    .init(
                        codingPath: codingPathFor(c),
                        debugDescription: "http2 needs tls: HTTP/2 is offered by ALPN only, not over plain HTTP (h2c)"
                    )
                )
            )
        }
        if path != nil, paths != nil {
            try c.report(
                DecodingError.dataCorrupted(
                    .init(codingPath: codingPathFor(c), debugDescription: "write either path (with verify) or paths, not both")
                )
            )
        }
        // `verify` belongs to `path`: with `paths` it would be ignored, and each path verified otherwise.
        if verify != nil, paths != nil {
            try c.report(
                DecodingError.dataCorrupted(
                    .init(
                        codingPath: c.codingPath + [CodingKeys.verify],
                        debugDescription: "applies to listener.path only: with paths, give each entry its own verify"
                    )
                )
            )
        }
    }

    private func codingPathFor(_ container: KeyedDecodingContainer<CodingKeys>) -> [any CodingKey] {
        container.codingPath
    }
}
