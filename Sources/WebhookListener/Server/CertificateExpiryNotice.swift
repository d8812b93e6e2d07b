import BotKit
import Foundation
import Logging
import Metrics

/// Says ahead of time that the served certificate is about to expire, and exports when it does.
///
/// Once expired, a certificate fails every handshake, and senders fail quietly: Avala retries, then
/// gives up, and the bot's log says nothing. A reload refuses an expired file, but nothing said the
/// served one was running out. Checked at start, at each reload and once a day
/// (``WebhookListenerConfiguration/certificateCheckInterval``) while the listener serves; within
/// ``warningWindow`` of its notAfter it logs a warning that names the file and the date, so that a
/// renewal job that stopped working is noticed while there is time to act.
struct CertificateExpiryNotice: Sendable {
    /// Let's Encrypt renews 30 days ahead: a certificate 14 days from its end has missed a renewal.
    static let warningWindow: Duration = .seconds(14 * 86_400)
    static let metric = "avala_bot_webhook_tls_certificate_expiry_timestamp_seconds"

    let certificate: ReloadableCertificate
    let logger: Logger

    /// Exports the served certificate's notAfter and warns when it is near (or past).
    func check(now: Date = Date()) {
        guard let notAfter = certificate.notValidAfter else { return }
        let path = certificate.tls.certificateChainPath
        // By file: the series names the certificate it is about, as the log does.
        Gauge(label: Self.metric, dimensions: [("path", path)]).record(notAfter.timeIntervalSince1970)
        let left = notAfter.timeIntervalSince(now)
        guard Self.isNear(left) else { return }
        var metadata: Logger.Metadata = ["tls.cert": "\(path)", "tls.certificate.expires": "\(notAfter.formatted(.iso8601))"]
        guard left > 0 else {
            // Only the daily check can find this: a start or a reload refuses an expired file.
            logger.error("Listener certificate has expired: every TLS handshake fails until it is renewed and reloaded", metadata: metadata)
            return
        }
        metadata["tls.certificate.expires_in"] = "\(Self.format(left: left))"
        logger.warning("Listener certificate expires soon: renew it, then send SIGHUP", metadata: metadata)
    }

    /// Whether `left` (seconds to notAfter, negative once past) is within ``warningWindow``: the one rule
    /// for both this notice and `check-config` (``WebhookTLS/expiryWarning(now:)``).
    static func isNear(_ left: TimeInterval) -> Bool {
        left < TimeInterval(warningWindow.components.seconds)
    }

    /// The time left as the log and `check-config` say it: whole minutes, as seconds would only make the
    /// line harder to read.
    static func format(left: TimeInterval) -> String {
        ConfigDuration.format(.seconds(max(60, Int(left) / 60 * 60)))
    }

    /// Checks again every `interval` until cancelled (the listener stops).
    func repeatEvery(_ interval: Duration) async {
        while true {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            check()
        }
    }
}
