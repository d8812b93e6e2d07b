import AsyncHTTPClient
import Foundation
import NIOCore

/// A request that got no answer, in words: what happened to the connection, rather than NIO's text
/// (`connection reset (error set): Connection refused (errno: 111)` for a port nobody listens on).
enum TransportFailure {
    static func describe(_ error: any Error) -> String {
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused (nothing listens at the API's address)"
            case ECONNRESET: return "connection reset by the API's side"
            case ETIMEDOUT: return "connection timed out"
            case EHOSTUNREACH, ENETUNREACH: return "no route to the API's host"
            default: return String(cString: strerror(error.errnoCode)).lowercased()
            }
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "no connection within the connect timeout (10 s)"
            case .remoteConnectionClosed: return "the API closed the connection before answering"
            case .readTimeout: return "the API stopped sending mid-answer"
            default: break
            }
        }
        return String(describing: error)
    }
}
