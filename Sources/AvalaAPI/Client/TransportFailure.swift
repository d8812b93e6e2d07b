import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// A request that got no answer, in words: what happened to the connection, rather than NIO's text
/// (`connection reset (error set): Connection refused (errno: 111)` for a port nobody listens on).
/// `peer` names the other side: the API, or a plugin's receiver.
public enum TransportFailure {
    public static func describe(_ error: any Error, peer: String = "the API") -> String {
        // A host name (rather than an address) fails through NIO's connection racing, which wraps the
        // cause: the name did not resolve, or each address refused.
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return describe(first.error, peer: peer) }
            return "\(peer)'s host name \(error.host) does not resolve"
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused (nothing listens at \(peer)'s address)"
            case ECONNRESET: return "connection reset by \(peer)'s side"
            case ETIMEDOUT: return "connection timed out"
            case EHOSTUNREACH, ENETUNREACH: return "no route to \(peer)'s host"
            default: return String(cString: strerror(error.errnoCode)).lowercased()
            }
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "no connection within the connect timeout (10 s)"
            case .remoteConnectionClosed: return "\(peer) closed the connection before answering"
            case .readTimeout: return "\(peer) stopped sending mid-answer"
            case .deadlineExceeded: return "no answer from \(peer) within the request timeout"
            default: break
            }
        }
        return String(describing: error)
    }

    /// Whether the request never left this machine: no connection was made, so repeating it cannot
    /// repeat anything the server did. A reset or timeout after connecting may have been acted on.
    static func neverSent(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let error = error as? IOError { return [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode) }
        if let error = error as? HTTPClientError { return error == .connectTimeout }
        return false
    }
}
