import Foundation

/// An IPv4 or IPv6 network (`10.0.0.0/8`, `::1/128`, or a bare address meaning one host).
struct CIDRBlock: Hashable, Sendable {
    let network: [UInt8]
    let prefixLength: Int

    /// - Throws: ``WebhookListenerError`` `invalidConfiguration`, naming the text.
    init(_ text: String) throws(WebhookListenerError) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let address = Self.parseAddress(String(first)) else {
            throw WebhookListenerError(.invalidConfiguration, "'\(text)' is not a CIDR block")
        }
        let maxPrefix = address.count * 8
        var prefix = maxPrefix
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...maxPrefix).contains(parsed) else {
                throw WebhookListenerError(.invalidConfiguration, "'\(text)' has an invalid prefix length")
            }
            prefix = parsed
        }
        network = address
        prefixLength = prefix
    }

    func contains(_ address: [UInt8]) -> Bool {
        // An IPv4 client may reach a dual-stack socket as ::ffff:a.b.c.d; compare it as IPv4.
        let candidate =
            address.count == 16 && network.count == 4 && address.prefix(12) == Self.mappedPrefix[...]
            ? Array(address.suffix(4)) : address
        guard candidate.count == network.count else { return false }
        var remaining = prefixLength
        for index in network.indices where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if candidate[index] & mask != network[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    private static let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]

    /// Bytes of an IPv4 (4) or IPv6 (16) address in text form, or nil.
    static func parseAddress(_ text: String) -> [UInt8]? {
        var text = text.trimming(" []")
        if let zone = text.firstIndex(of: "%") { text = String(text[..<zone]) }
        if !text.contains(":") { return parseIPv4(Substring(text)) }
        return parseIPv6(text)
    }

    private static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, let value = UInt8(octet) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    private static func parseIPv6(_ text: String) -> [UInt8]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt8]? {
            if part.isEmpty { return [] }
            var bytes: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains(".") {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    bytes += v4
                } else {
                    guard !piece.isEmpty, piece.count <= 4, let value = UInt16(piece, radix: 16) else { return nil }
                    bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
                }
            }
            return bytes
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count < 16 else { return nil }
        return head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}

extension String {
    fileprivate func trimming(_ characters: String) -> String {
        let set = Set(characters)
        return String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
