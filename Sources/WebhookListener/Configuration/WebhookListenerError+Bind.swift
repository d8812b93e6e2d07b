import Foundation
import NIOCore

extension WebhookListenerError {
    /// A socket that could not be bound, worded for the operator: `listener.bind 127.0.0.1:8443: address
    /// already in use`, rather than NIO's `bind(descriptor:ptr:bytes:): Address already in use) (errno: 98)`,
    /// which names neither the setting nor the address.
    ///
    /// - Parameters:
    ///   - setting: what the operator set the address with (`listener.bind`, `--port 8787`).
    /// - Returns: nil when `error` is not a socket error.
    public static func bindFailure(_ error: any Error, setting: String, host: String, port: Int) -> WebhookListenerError? {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        if error is SocketAddressError.UnknownHost {
            return WebhookListenerError(.bind, "\(setting) \(address): no such host ('\(host)' does not resolve to an address)")
        }
        guard let error = error as? IOError else { return nil }
        let reason =
            switch error.errnoCode {
            case EADDRINUSE: "address already in use"
            case EACCES: "permission denied (a port below 1024 needs privileges)"
            case EADDRNOTAVAIL: "no such address on this machine"
            default: String(cString: strerror(error.errnoCode)).lowercased()
            }
        return WebhookListenerError(.bind, "\(setting) \(address): \(reason)")
    }
}
