import Foundation

/// One API call, before it is sent: method, path below the base URL, query and JSON body.
struct AvalaRequest: Sendable {
    enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
        case patch = "PATCH"
        case put = "PUT"
        case delete = "DELETE"
    }

    var method: Method
    /// Encoded path below the base path, starting and ending with `/`.
    var path: String
    /// Encoded query string without `?`, or nil.
    var query: String?
    var body: Data?
    /// Set by the caller for a POST or PATCH that may be sent twice without harm.
    var retrySafe: Bool = false

    init(_ method: Method, _ path: AvalaPath, query: [(String, String?)] = [], body: Data? = nil, retrySafe: Bool = false) {
        self.method = method
        self.path = path.encoded
        self.query = Self.encode(query)
        self.body = body
        self.retrySafe = retrySafe
    }

    init(method: Method, encodedPath: String, encodedQuery: String?) {
        self.method = method
        self.path = encodedPath
        self.query = encodedQuery
    }

    /// GET, PUT and DELETE may be repeated; POST and PATCH only when the caller says so.
    var mayRetryAfterFailure: Bool {
        switch method {
        case .get, .put, .delete: true
        case .post, .patch: retrySafe
        }
    }

    /// `GET /exports/{uid}/`-style text for errors and logs: no query string.
    var summary: String { "\(method.rawValue) \(path)" }

    static func encode(_ items: [(String, String?)]) -> String? {
        let pairs = items.compactMap { name, value in
            value.map { "\(encodeComponent(name))=\(encodeComponent($0))" }
        }
        return pairs.isEmpty ? nil : pairs.joined(separator: "&")
    }

    private static let queryAllowed = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )

    static func encodeComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? ""
    }
}
