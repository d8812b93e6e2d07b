import AvalaAPI
import BotEngine
import Foundation
import WebhookListener

extension ListenerSection {
    /// The listener's configuration with `AVALA_WEBHOOK_SECRET` from `environment` (an empty one counts
    /// as unset) for every path whose `verify.secrets` is left out.
    func listenerConfiguration(environment: [String: String]) throws -> WebhookListenerConfiguration {
        try listenerConfiguration(defaultSecret: environment["AVALA_WEBHOOK_SECRET"].flatMap { $0.isEmpty ? nil : SecretString($0) })
    }

    /// The listener's own configuration; `defaultSecret` (`AVALA_WEBHOOK_SECRET`) serves every path whose
    /// `verify.secrets` is left out.
    func listenerConfiguration(defaultSecret: SecretString?) throws -> WebhookListenerConfiguration {
        let (host, port) = try WebhookListenerConfiguration.parseBind(bind)
        func verification(_ section: VerifySection?) -> WebhookVerification {
            WebhookVerification(
                scheme: WebhookScheme(rawValue: section?.scheme ?? "avala") ?? .avala,
                secrets: (section?.secrets ?? defaultSecret.map { [$0] } ?? []).map { WebhookSecret($0.revealed) },
                tolerance: section?.tolerance.duration ?? .seconds(300)
            )
        }
        let listenerPaths =
            paths?.map {
                WebhookPath(
                    path: $0.path,
                    source: $0.source ?? "avala",
                    verification: verification($0.verify),
                    format: WebhookFormat(rawValue: $0.format) ?? .avala
                )
            } ?? [WebhookPath(path: path ?? "/webhooks/avala", verification: verification(verify))]
        return WebhookListenerConfiguration(
            host: host,
            port: port,
            paths: listenerPaths,
            tls: tls.map {
                WebhookTLS(
                    certificateChainPath: $0.cert,
                    privateKeyPath: $0.key,
                    clientCAPath: $0.clientCA,
                    minimumVersion: $0.minVersion == "1.3" ? .tls13 : .tls12
                )
            },
            plainHTTP: plainHTTP,
            http2: tls != nil && (http2 ?? true),
            maxBody: maxBody.bytes,
            requestTimeout: requestTimeout.duration,
            perIP: WebhookRateLimit(ratePerSecond: perIP.ratePerSecond, burst: perIP.burst),
            allowCIDRs: allowCIDRs,
            trustedProxies: trustedProxies ?? []
        )
    }
}

extension ListenerSection {
    /// A secret every scheme accepts (`whsec_` and base64), standing for one not known yet.
    static let placeholderSecret = SecretString("whsec_" + Data("avala-bot placeholder secret....".utf8).base64EncodedString())

    /// For `check-config --no-env`: this section with every `${…}` left unresolved replaced by a value
    /// its check accepts (a secret any scheme takes, the default bind), and references among the CIDRs
    /// left out, so that everything written out is still checked.
    func withPlaceholdersForReferences() -> ListenerSection {
        // A malformed reference (`${ NAME }`) is reported as such already: not checked again as a value.
        func isReference(_ text: String) -> Bool {
            ConfigReference(text) != nil || ConfigReference.problem(in: text) != nil
        }
        func placeholders(_ verify: VerifySection?) -> VerifySection? {
            guard var verify else { return nil }
            verify.secrets = verify.secrets?.map { isReference($0.revealed) ? Self.placeholderSecret : $0 }
            return verify
        }
        var copy = self
        if isReference(bind) { copy.bind = "0.0.0.0:8443" }
        if plainHTTPToCome { copy.plainHTTP = true }
        copy.verify = placeholders(verify)
        copy.paths = paths?.map { path in
            var path = path
            path.verify = placeholders(path.verify)
            return path
        }
        copy.allowCIDRs = allowCIDRs?.filter { !isReference($0) }
        copy.trustedProxies = trustedProxies?.filter { !isReference($0) }
        return copy
    }
}
