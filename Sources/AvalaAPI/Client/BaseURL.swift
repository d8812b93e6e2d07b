public import Foundation

/// The API's base URL, checked by the same rules as the official SDK.
///
/// https only; plain http only for `localhost`, `127.0.0.1` or `::1` and only when explicitly allowed
/// (`AVALA_ALLOW_INSECURE_BASE_URL`), because the API key travels in a header on every request.
public struct BaseURL: Hashable, Sendable, CustomStringConvertible {
    public let scheme: String
    public let host: String
    public let port: Int
    /// The path below which every endpoint lives, without a trailing slash (`/api/v1`).
    public let path: String

    public static let `default` = BaseURL(scheme: "https", host: "api.avala.ai", port: 443, path: "/api/v1")

    /// Parts already known to be valid (the default).
    private init(scheme: String, host: String, port: Int, path: String) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
    }

    /// - Throws: ``AvalaError`` with code `.invalidConfiguration` naming what is wrong.
    public init(_ text: String, allowInsecureHTTP: Bool = false) throws(AvalaError) {
        var trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            throw .invalidConfiguration("base URL '\(Self.sanitize(text))' needs a scheme and a host")
        }
        guard components.user == nil, components.password == nil else {
            throw .invalidConfiguration("base URL must not carry credentials")
        }
        guard components.query == nil, components.fragment == nil else {
            throw .invalidConfiguration("base URL must not carry a query or fragment")
        }
        let bareHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        switch scheme {
        case "https":
            break
        case "http":
            guard Self.loopbackHosts.contains(bareHost.lowercased()) else {
                throw .invalidConfiguration(
                    "base URL must use https; plain http is allowed only for localhost, 127.0.0.1 or ::1"
                )
            }
            guard allowInsecureHTTP else {
                throw .invalidConfiguration(
                    "base URL uses plain http; set AVALA_ALLOW_INSECURE_BASE_URL=1 to allow it for localhost"
                )
            }
        default:
            throw .invalidConfiguration("base URL scheme '\(scheme)' is not supported; use https")
        }
        self.scheme = scheme
        self.host = bareHost.lowercased()
        self.port = components.port ?? (scheme == "https" ? 443 : 80)
        self.path = components.percentEncodedPath
    }

    /// Whether `AVALA_ALLOW_INSECURE_BASE_URL` is one of `1`, `true`, `yes`, `on`, as the SDK reads it.
    public static func insecureAllowed(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let value = environment["AVALA_ALLOW_INSECURE_BASE_URL"] else { return false }
        return ["1", "true", "yes", "on"].contains(value.trimmingCharacters(in: .whitespaces).lowercased())
    }

    static let loopbackHosts: Set<String> = ["localhost", "127.0.0.1", "::1"]

    /// `scheme://host:port`, with IPv6 hosts bracketed.
    public var origin: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(hostPart):\(port)"
    }

    public var description: String { origin + path }

    /// Whether `url` points at this base's scheme, host and port, so that the API key may go there.
    public func isSameOrigin(_ url: URLComponents) -> Bool {
        guard let scheme = url.scheme?.lowercased(), let host = url.host else { return false }
        let bareHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let port = url.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : -1)
        return scheme == self.scheme && bareHost.lowercased() == self.host && port == self.port
    }

    /// A URL for error messages: no query string and no credentials (either may carry secrets), at most
    /// 200 characters.
    static func sanitize(_ text: String) -> String {
        var result = String(text.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        if let at = result.lastIndex(of: "@") {
            let schemeEnd = result.range(of: "://")?.upperBound ?? result.startIndex
            if at >= schemeEnd { result.replaceSubrange(schemeEnd..<result.index(after: at), with: "<credentials>@") }
        }
        return String(result.prefix(200))
    }
}
