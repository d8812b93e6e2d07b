import BotKit

/// `plugins.invite.allowed_domains`: `acme.ai` allows exactly that domain, `*.acme.ai` its subdomains,
/// and `*` any domain — written explicitly, never assumed.
struct DomainGuard: Sendable, CustomStringConvertible {
    let entries: [String]

    init(_ entries: [String]) throws {
        guard !entries.isEmpty else {
            throw PluginConfigError(key: "allowed_domains", "is empty, so no invitation could be sent; list domains or write [\"*\"]")
        }
        for entry in entries {
            let domain = entry.hasPrefix("*.") ? String(entry.dropFirst(2)) : entry
            guard entry == "*" || (!domain.isEmpty && !domain.contains("@") && !domain.contains("*") && !domain.contains(" ")) else {
                throw PluginConfigError(key: "allowed_domains", "'\(entry)' is not a domain (write acme.ai, *.acme.ai or *)")
            }
        }
        self.entries = entries.map { $0.lowercased() }
    }

    func allows(_ email: String) -> Bool {
        let domain = EmailAddress.domain(of: email)
        return entries.contains { entry in
            if entry == "*" { return true }
            if entry.hasPrefix("*.") { return domain.hasSuffix(String(entry.dropFirst(1))) }
            return domain == entry
        }
    }

    var description: String { entries.joined(separator: ", ") }
}
