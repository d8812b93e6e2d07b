import BotKit
import Foundation

/// `plugins.invite.allowed_domains`: `acme.ai` allows exactly that domain, `*.acme.ai` its subdomains,
/// and `*` any domain — written explicitly, never assumed.
///
/// An entry is checked at load as a bare host name (ASCII letters, digits and hyphens between dots): one
/// written as a URL (`https://acme.ai`), an address, with a path, a port or spaces would otherwise load
/// and then match no address, refusing every invitation. An internationalized domain may be written in
/// Unicode (`bücher.de`) or its ASCII form (`xn--bcher-kva.de`): entries and addresses' domains are both
/// compared in the ASCII form (IDNA, which Foundation's `URLComponents` does), lower-cased.
struct DomainGuard: Sendable, CustomStringConvertible {
    /// As compared: lower-cased, in the ASCII form.
    let entries: [String]
    /// As written, for messages.
    private let written: [String]

    init(_ entries: [String]) throws {
        guard !entries.isEmpty else {
            throw PluginConfigError(key: "allowed_domains", "is empty, so no invitation could be sent; list domains or write [\"*\"]")
        }
        var ascii: [String] = []
        for (index, entry) in entries.enumerated() {
            let wildcard = entry.hasPrefix("*.")
            let converted = Self.ascii(wildcard ? String(entry.dropFirst(2)) : entry).map { wildcard ? "*." + $0 : $0 }
            if entry.unicodeScalars.contains(where: { !$0.isASCII }) {
                guard let converted, Self.problem(converted) == nil else {
                    let host = Self.host(in: entry).flatMap { host in Self.ascii(host).flatMap { Self.problem($0) == nil ? host : nil } }
                    throw PluginConfigError(
                        key: "allowed_domains[\(index)]",
                        host.map { "'\(entry)' is not a domain: write \($0) (the bare domain, in Unicode or its xn-- form)" }
                            ?? "'\(entry)' is not a domain (write a bare domain, in Unicode or its xn-- form: bücher.de or xn--bcher-kva.de)"
                    )
                }
            } else if let problem = Self.problem(entry) {
                throw PluginConfigError(key: "allowed_domains[\(index)]", problem)
            }
            ascii.append(converted ?? entry.lowercased())
        }
        self.entries = ascii
        self.written = entries.map { $0.lowercased() }
    }

    /// `domain` lower-cased, in its ASCII form when it has non-ASCII letters (`Bücher.de` →
    /// `xn--bcher-kva.de`); nil when it has none (a space, a slash: IDNA then percent-encodes).
    static func ascii(_ domain: String) -> String? {
        guard domain.unicodeScalars.contains(where: { !$0.isASCII }) else { return domain.lowercased() }
        var components = URLComponents()
        components.host = domain
        guard let encoded = components.encodedHost, !encoded.contains("%"), encoded.unicodeScalars.allSatisfy(\.isASCII) else { return nil }
        return encoded.lowercased()
    }

    /// Why `entry` is no `allowed_domains` entry, with what to write instead; nil when it is one.
    static func problem(_ entry: String) -> String? {
        if entry == "*" { return nil }
        let wildcard = entry.hasPrefix("*.")
        let domain = wildcard ? String(entry.dropFirst(2)) : entry
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let wellFormed =
            !domain.isEmpty
            && labels.allSatisfy { label in
                !label.isEmpty && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
            }
        if wellFormed {
            // An address's domain always has a dot (see EmailAddress), so `acme` alone would match none.
            guard wildcard || labels.count > 1 else {
                return "'\(entry)' has no dot, so no address's domain is it (write the whole domain, like acme.ai)"
            }
            return nil
        }
        if !domain.unicodeScalars.contains(where: { !$0.isASCII }), let host = Self.host(in: entry), host != entry, Self.problem(host) == nil {
            return "'\(entry)' is not a domain: write \(host) (the bare domain, without a scheme, an address, a port, a path or spaces)"
        }
        return "'\(entry)' is not a domain (write acme.ai, *.acme.ai or *)"
    }

    /// The host name inside something written as a URL, an address or with a port or path
    /// (`https://Acme.ai:443/x` → `acme.ai`), for the message; nil when nothing is left.
    private static func host(in text: String) -> String? {
        var rest = Substring(text.trimmingWhitespace.lowercased())
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if let colon = rest.firstIndex(of: ":") { rest = rest[..<colon] }
        while rest.hasSuffix(".") { rest = rest.dropLast() }
        let host = String(rest).trimmingWhitespace
        return host.isEmpty ? nil : host
    }

    func allows(_ email: String) -> Bool {
        // An address whose domain has no ASCII form matches no entry but `*`.
        let domain = Self.ascii(EmailAddress.domain(of: email)) ?? ""
        return entries.contains { entry in
            if entry == "*" { return true }
            if entry.hasPrefix("*.") { return !domain.isEmpty && domain.hasSuffix(String(entry.dropFirst(1))) }
            return !domain.isEmpty && domain == entry
        }
    }

    var description: String { written.joined(separator: ", ") }
}
