public import Foundation

/// Outbound HTTP for plugins that talk to receivers (Slack, a webhook URL): requests with a timeout.
public protocol OutboundHTTP: Sendable {
    func send(_ request: OutboundRequest) async throws -> OutboundResponse
}

public struct OutboundRequest: Hashable, Sendable {
    public var method: String
    public var url: String
    public var headers: [String: String]
    public var body: Data?
    public var timeout: Duration

    public init(method: String = "POST", url: String, headers: [String: String] = [:], body: Data? = nil, timeout: Duration = .seconds(10)) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

public struct OutboundResponse: Hashable, Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// For plugins that declared no outbound HTTP: every request is refused.
public struct NoOutboundHTTP: OutboundHTTP {
    public init() {}
    public func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        throw OutboundHTTPRefused()
    }
}

public struct OutboundHTTPRefused: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "outbound HTTP is not available to this plugin" }
}
