import HummingbirdCore
import NIOSSL
import Synchronization

/// The listener's TLS, reloadable while it serves: the certificate and key (``ReloadableCertificate``)
/// and the client CA bundle of mTLS (`listener.tls.client_ca`).
///
/// The two are swapped in different ways. swift-nio-ssl (2.37) asks for the certificate and key at
/// every handshake (`sslContextCallback`), but its `NIOSSLContextConfigurationOverride` carries no
/// trust roots: those are fixed in the `NIOSSLContext`, which Hummingbird's TLS channels build once.
/// A `customVerificationCallback` could check against roots of our own, but only by replacing
/// BoringSSL's chain verification with ours. So a new bundle gets a new context, the way the first one
/// did: a new TLS channel, built (which checks the configuration) before it replaces the old one in the
/// ``SwappableChildChannel`` the server runs. Connections already open keep the channel that set them
/// up; the listening socket is never touched. A new context also has its own session cache and ticket
/// keys, so no TLS session from before the reload is resumed past the new bundle's check.
final class ListenerTLS: Sendable {
    let settings: WebhookTLS
    let certificate: ReloadableCertificate
    private let state: Mutex<State>

    private struct State {
        /// What the next channel is built from: the client CA bundle last loaded, if mTLS is on.
        var configuration: TLSConfiguration
        /// Builds a channel of the running server from a configuration and puts it in place; nil
        /// until the server has made its channel (``channel(_:)``).
        var replaceChannel: (@Sendable (TLSConfiguration) throws -> Void)?
    }

    /// Loads the certificate, the key and the client CA bundle.
    ///
    /// - Throws: ``WebhookListenerError`` naming the file that cannot be used.
    init(_ settings: WebhookTLS) throws(WebhookListenerError) {
        self.settings = settings
        let certificate = try ReloadableCertificate(settings)
        self.certificate = certificate
        var clientCA: [NIOSSLCertificate]?
        if let path = settings.clientCAPath { clientCA = try TLSConfigurationLoader.clientCA(path) }
        let configuration = TLSConfigurationLoader.load(settings, certificate: certificate, clientCA: clientCA)
        state = Mutex(State(configuration: configuration))
    }

    /// The server's child channel: `make`'s, built now from the current configuration and again, in its
    /// place, at each client CA reload.
    ///
    /// - Parameter make: builds the TLS channel (and what runs over it) from a configuration.
    /// - Throws: what `make` throws.
    func channel<Base: ServerChildChannel>(
        _ make: @escaping @Sendable (TLSConfiguration) throws -> Base
    ) throws -> SwappableChildChannel<Base> {
        try state.withLock { state in
            let channel = SwappableChildChannel(try make(state.configuration))
            state.replaceChannel = { configuration in channel.replace(with: try make(configuration)) }
            return channel
        }
    }

    /// Reads `listener.tls.client_ca` again, from the path the listener started with; connections
    /// accepted from now on must present a certificate that chains to the new bundle.
    ///
    /// On any error (a missing, empty or broken file, a bundle swift-nio-ssl refuses) nothing changes:
    /// the listener keeps verifying clients against the bundle it had.
    /// - Returns: the number of certificates in the new bundle, or nil when mTLS is off.
    /// - Throws: ``WebhookListenerError`` naming the file.
    func reloadClientCA() throws(WebhookListenerError) -> Int? {
        guard let path = settings.clientCAPath else { return nil }
        let clientCA = try TLSConfigurationLoader.clientCA(path)
        let configuration = TLSConfigurationLoader.load(settings, certificate: certificate, clientCA: clientCA)
        // Under the lock, so that two reloads cannot leave the running channel built from one bundle and
        // the configuration from the other.
        try state.withLock { state throws(WebhookListenerError) in
            do {
                if let replaceChannel = state.replaceChannel {
                    try replaceChannel(configuration)
                } else {
                    // Not serving yet: only check that a context can be made from it.
                    _ = try NIOSSLContext(configuration: configuration)
                }
            } catch {
                throw WebhookListenerError(.tls, "cannot use listener.tls.client_ca '\(path)': \(error)")
            }
            state.configuration = configuration
        }
        return clientCA.count
    }
}
