import Foundation
import Logging
import Metrics
import NIOCore
import NIOSSL
import NIOTLS

/// Logs and counts a TLS handshake that fails, by reason, then steps aside once a handshake succeeds.
///
/// Without it a client with the wrong CA bundle, one that offers only TLS 1.1, or one that sends no client
/// certificate to an mTLS listener failed without a word on the bot's side: the sender saw a handshake
/// error, the operator nothing. It sits right behind the TLS handler, whose error it sees first. The log
/// says it at info once a minute per reason (``RefusalLogGate``), with the client's address and the TLS
/// library's reason, and at debug for the rest of the minute; the count is
/// `avala_bot_webhook_tls_handshake_failures_total{reason}`. A connection closed before its handshake
/// finished (a TCP health check, a port scan) is counted, and logged at debug only: a load balancer
/// probing every few seconds would otherwise keep a line in the log for good.
final class TLSHandshakeFailureLog: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    static let metric = "avala_bot_webhook_tls_handshake_failures_total"
    static let closedEarly = "eof_during_handshake"

    private let gate: RefusalLogGate
    private let logger: Logger
    private var reported = false

    init(gate: RefusalLogGate, logger: Logger) {
        self.gate = gate
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !reported, let reason = Self.reason(error) {
            reported = true
            report(reason, error: error, client: context.channel.remoteAddress?.ipAddress)
        }
        context.fireErrorCaught(error)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if case .handshakeCompleted = event as? TLSUserEvent {
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    private func report(_ reason: String, error: any Error, client: String?) {
        Counter(label: Self.metric, dimensions: [("reason", reason)]).increment()
        var metadata: Logger.Metadata = [
            "client.address": "\(client ?? "unknown")", "tls.reason": "\(reason)",
            // The library's own text (its error code and source line): no secret is ever part of it.
            "tls.error": "\(error)",
        ]
        if let hint = Self.hints[reason] { metadata["tls.hint"] = "\(hint)" }
        if reason != Self.closedEarly, gate.admits("tls-handshake:\(reason)") {
            logger.info("TLS handshake failed", metadata: metadata)
        } else {
            logger.debug("TLS handshake failed", metadata: metadata)
        }
    }

    /// What the operator can do about the usual reasons.
    static let hints = [
        "unsupported_protocol": "the client offers no TLS version the listener accepts (listener.tls.min_version)",
        "no_shared_cipher": "the client offers no cipher suite the listener accepts (TLS 1.2: ECDHE with AES-GCM or ChaCha20-Poly1305)",
        "peer_did_not_return_a_certificate": "the client sent no certificate, and listener.tls.client_ca requires one",
        "certificate_verify_failed": "the client's certificate does not chain to listener.tls.client_ca, or is not valid now",
        "tlsv1_alert_unknown_ca": "the client does not trust the CA of listener.tls.cert: give it that CA, or serve a certificate it trusts",
        "sslv3_alert_bad_certificate": "the client refused listener.tls.cert: an untrusted CA, or a name that is not the host it connected to",
        "sslv3_alert_certificate_unknown": "the client refused listener.tls.cert: an untrusted CA, or a name that is not the host it connected to",
        closedEarly: "the client closed the connection before the handshake finished",
    ]

    /// The reason of a failed handshake as a label: BoringSSL's reason code in lower case
    /// (`unsupported_protocol`, `peer_did_not_return_a_certificate`, `tlsv1_alert_unknown_ca`); nil for
    /// an error that is no handshake failure.
    static func reason(_ error: any Error) -> String? {
        guard let error = error as? NIOSSLError, case .handshakeFailed(let failure) = error else { return nil }
        switch failure {
        case .sslError(let stack), .unknownError(let stack):
            // The first error is the cause; those after it say where it went on to fail.
            guard let first = stack.first else { return "ssl_error" }
            return label(reasonCode(in: first.description))
        default:
            return label("\(failure)")
        }
    }

    /// `Error: 268435696 error:100000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL at file.c:123`
    /// → `UNSUPPORTED_PROTOCOL`; a synthetic `EOF during handshake` stays as it is.
    static func reasonCode(in description: String) -> Substring {
        var text = description[...]
        if text.hasPrefix("Error:") { text = text.dropFirst("Error:".count).drop { $0 == " " || $0.isNumber } }
        if let at = text.range(of: " at ") { text = text[..<at.lowerBound] }
        return text.split(separator: ":").last ?? text
    }

    /// Lower case, `_` for anything but letters and digits, at most 64 characters: a label's value, of
    /// a bounded set (BoringSSL's reason codes).
    static func label(_ text: some StringProtocol) -> String {
        let mapped = text.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" }
        return String(String(mapped).prefix(64))
    }
}
