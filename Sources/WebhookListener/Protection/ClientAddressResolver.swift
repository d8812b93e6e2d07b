import Foundation

/// Who the client is, and whether it may talk to the listener at all.
///
/// `X-Forwarded-For` is believed only when the peer is a configured trusted proxy, and then read from the
/// right: the first address that is not itself a trusted proxy is the client. Anyone else could write any
/// address there, so from an untrusted peer the header is ignored.
struct ClientAddressResolver: Sendable {
    let allow: [CIDRBlock]?
    let trustedProxies: [CIDRBlock]

    init(allowCIDRs: [String]?, trustedProxies: [String]) throws(WebhookListenerError) {
        var allow: [CIDRBlock]?
        if let allowCIDRs {
            allow = []
            for text in allowCIDRs { allow?.append(try CIDRBlock(text)) }
        }
        var proxies: [CIDRBlock] = []
        for text in trustedProxies { proxies.append(try CIDRBlock(text)) }
        self.allow = allow
        self.trustedProxies = proxies
    }

    /// The client's address in text form; `peer` when nothing trustworthy says otherwise.
    func client(peer: String?, forwardedFor: String?) -> String? {
        // Most deliveries come straight from the sender: nothing to parse then.
        guard let peer, let forwardedFor, !trustedProxies.isEmpty else { return peer }
        guard let peerBytes = CIDRBlock.parseAddress(peer), isTrustedProxy(peerBytes) else { return peer }
        let hops = forwardedFor.split(separator: ",").map { Self.withoutPort($0.trimmingCharacters(in: .whitespaces)) }
        for hop in hops.reversed() {
            guard let bytes = CIDRBlock.parseAddress(hop) else { return peer }
            if !isTrustedProxy(bytes) { return hop }
        }
        return hops.first ?? peer
    }

    /// Whether the client may be served: always when no allowlist is set.
    func isAllowed(_ client: String?) -> Bool {
        guard let allow else { return true }
        guard let client, let bytes = CIDRBlock.parseAddress(client) else { return false }
        return allow.contains { $0.contains(bytes) }
    }

    /// Some proxies write the client's port too: `203.0.113.9:51234`, `[2001:db8::1]:51234`. The client
    /// is the address (and the per-IP limit counts addresses, not connections).
    static func withoutPort(_ hop: String) -> String {
        if hop.hasPrefix("["), let close = hop.firstIndex(of: "]") {
            return String(hop[hop.index(after: hop.startIndex)..<close])
        }
        // One colon is an IPv4 address with a port; an IPv6 address has at least two.
        if let colon = hop.firstIndex(of: ":"), hop[hop.index(after: colon)...].firstIndex(of: ":") == nil {
            return String(hop[..<colon])
        }
        return hop
    }

    private func isTrustedProxy(_ address: [UInt8]) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }
}
