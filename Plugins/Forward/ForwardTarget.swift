import BotKit
import Foundation

/// One entry of `plugins.forward.targets`: a URL to POST events to, and the secret that signs them.
///
/// The secret is required (CONFIG.md: `{url, secret}`): the receiver of a forward acts on what it is sent,
/// and a forgotten secret would send every event unsigned without a word.
///
/// ```yaml
/// plugins:
///   forward:
///     timeout: 10s                                  # per request; default 10s
///     targets:
///       warehouse:
///         url: https://hooks.example.com/avala      # http or https
///         secret: "${WAREHOUSE_WEBHOOK_SECRET}"     # whsec_…: Standard Webhooks signature
/// ```
struct ForwardTarget: Sendable {
    static let keys = ["url", "secret"]

    var name: String
    var url: String
    /// `scheme://host[:port]`: what outcomes and logs may show. Not the path or the query: either can
    /// carry a token (`/hooks/T0/B0/<token>`), and outcomes reach the journal, the log, `/status` and
    /// the dead-letter event.
    var displayURL: String
    /// Every part of `url` that could carry a token, to remove from what outcomes quote.
    var redaction: URLRedaction
    var signer: StandardWebhooksSigner

    /// - Throws: ``PluginConfigError`` with a key below `targets.<name>`; never quoting the secret.
    init(name: String, config value: JSON) throws {
        let prefix = "targets.\(name)"
        guard let object = value.objectValue else { throw PluginConfigError(key: prefix, "expected a mapping with url and secret") }
        for key in object.keys.sorted() where !Self.keys.contains(key) {
            throw PluginConfigError(key: "\(prefix).\(key)", "unknown key '\(key)'; known: \(Self.keys.joined(separator: ", "))")
        }
        guard let url = object["url"]?.stringValue, !url.isEmpty else {
            throw PluginConfigError(key: "\(prefix).url", "required: the http(s) URL to POST events to")
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw PluginConfigError(key: "\(prefix).url", "expected an http:// or https:// URL with a host")
        }
        self.name = name
        self.url = url
        displayURL = Self.display(components)
        redaction = URLRedaction(url: url)
        switch object["secret"] {
        case nil, .null?:
            throw PluginConfigError(
                key: "\(prefix).secret",
                "required: the Standard Webhooks secret (whsec_ followed by base64) the events are signed with, for the receiver to verify"
            )
        case .string(let secret)?:
            do {
                signer = try StandardWebhooksSigner(secret: secret)
            } catch {
                throw PluginConfigError(key: "\(prefix).secret", error.message)
            }
        default:
            throw PluginConfigError(key: "\(prefix).secret", "expected a Standard Webhooks secret: whsec_ followed by base64")
        }
    }

    private static func display(_ components: URLComponents) -> String {
        var shown = URLComponents()
        shown.scheme = components.scheme
        shown.host = components.host
        shown.port = components.port
        return shown.string ?? "\(components.scheme ?? "")://\(components.host ?? "")"
    }
}
