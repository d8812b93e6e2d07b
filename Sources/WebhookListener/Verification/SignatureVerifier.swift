import BotEngine
import Crypto
public import Foundation
public import HTTPTypes

/// Checks one path's deliveries against its scheme and secrets, before anything parses the body.
///
/// Pure and synchronous: the clock is a parameter, so known-answer vectors can be checked at their own
/// time. Each secret's HMAC is computed once and compared with every signature in constant time, and
/// every secret is tried, so a rotation can overlap. What costs nothing is checked first: the number and
/// length of the signatures, then the timestamp, and only then the HMACs.
///
/// ```swift
/// let verifier = try SignatureVerifier(WebhookVerification(scheme: .github, secrets: ["s3cret"]))
/// let delivery = try verifier.verify(headers: request.headers, body: bytes, now: Date())
/// ```
public struct SignatureVerifier: Sendable {
    enum Header {
        static let avalaSignature = HTTPField.Name("X-Avala-Webhook-Signature")!
        static let avalaEvent = HTTPField.Name("X-Avala-Webhook-Event")!
        static let avalaDelivery = HTTPField.Name("X-Avala-Webhook-Delivery")!
        static let webhookID = HTTPField.Name("webhook-id")!
        static let webhookTimestamp = HTTPField.Name("webhook-timestamp")!
        static let webhookSignature = HTTPField.Name("webhook-signature")!
        static let githubSignature = HTTPField.Name("X-Hub-Signature-256")!
        static let githubEvent = HTTPField.Name("X-GitHub-Event")!
        static let githubDelivery = HTTPField.Name("X-GitHub-Delivery")!
        static let stripeSignature = HTTPField.Name("Stripe-Signature")!
    }

    public let scheme: WebhookScheme
    let keys: [SymmetricKey]
    let tolerance: TimeInterval

    /// - Throws: ``WebhookListenerError`` `invalidConfiguration` when a `standard-webhooks` secret is not
    ///   `whsec_` followed by base64 (the message does not quote the secret), when a scheme other than
    ///   `none` has no non-empty secret, or when one of several secrets is empty.
    public init(_ verification: WebhookVerification) throws(WebhookListenerError) {
        scheme = verification.scheme
        tolerance = verification.tolerance.seconds
        var keys: [SymmetricKey] = []
        for (index, secret) in verification.secrets.enumerated() where !secret.value.isEmpty {
            guard let data = Self.keyBytes(of: secret, scheme: scheme) else {
                throw WebhookListenerError(.invalidConfiguration, "verify.secrets[\(index)] is not a whsec_ base64 key")
            }
            keys.append(SymmetricKey(data: data))
        }
        // No usable secret would answer every delivery 401 "invalid signature", which names the wrong
        // culprit; an empty `${AVALA_WEBHOOK_SECRET}` is the usual cause.
        if scheme != .none, keys.isEmpty {
            throw WebhookListenerError(
                .invalidConfiguration,
                "verify.secrets has no non-empty secret, and scheme \(scheme.rawValue) needs one (AVALA_WEBHOOK_SECRET fills it when secrets is left out; scheme: none turns verification off)"
            )
        }
        // One empty among others is a rotation gone wrong (the new secret's file or variable is empty):
        // taken as it is, the sender's deliveries under the new secret would all be 401 while the reload
        // reported success.
        if scheme != .none, let empty = verification.secrets.firstIndex(where: \.value.isEmpty) {
            throw WebhookListenerError(
                .invalidConfiguration,
                "verify.secrets[\(empty)] is empty (an empty file or variable?): fill it or take it out of the list"
            )
        }
        self.keys = keys
    }

    /// The bytes `secret` keys the HMAC with: for `standard-webhooks` the base64 after the `whsec_` prefix
    /// (the spec's keys), decoded; for the other schemes its text. Nil when a `standard-webhooks` secret
    /// is not base64.
    static func keyBytes(of secret: WebhookSecret, scheme: WebhookScheme) -> Data? {
        guard scheme == .standardWebhooks else { return Data(secret.value.utf8) }
        let encoded = secret.value.hasPrefix("whsec_") ? String(secret.value.dropFirst(6)) : secret.value
        return Data(base64Encoded: encoded)
    }

    /// Verifies a delivery.
    ///
    /// - Parameters:
    ///   - headers: the request's headers.
    ///   - body: the raw body, exactly as received.
    ///   - now: the time timestamps are compared with.
    /// - Returns: the delivery id and event type the headers carry.
    /// - Throws: ``VerificationFailure``.
    public func verify(headers: HTTPFields, body: [UInt8], now: Date) throws(VerificationFailure) -> VerifiedDelivery {
        switch scheme {
        case .none:
            return VerifiedDelivery(deliveryID: headers[Header.avalaDelivery], eventType: headers[Header.avalaEvent])
        case .avala:
            guard let header = headers[Header.avalaSignature] else { throw .missingSignature }
            let hex = header.hasPrefix("sha256=") ? Substring(header.dropFirst(7)) : Substring(header)
            try checkHex(hex, signed: body)
            return VerifiedDelivery(deliveryID: headers[Header.avalaDelivery], eventType: headers[Header.avalaEvent])
        case .github:
            guard let header = headers[Header.githubSignature] else { throw .missingSignature }
            guard header.hasPrefix("sha256=") else { throw .malformedSignature }
            try checkHex(header.dropFirst(7), signed: body)
            return VerifiedDelivery(deliveryID: headers[Header.githubDelivery], eventType: headers[Header.githubEvent])
        case .standardWebhooks:
            return try verifyStandardWebhooks(headers: headers, body: body, now: now)
        case .stripe:
            return try verifyStripe(headers: headers, body: body, now: now)
        }
    }

    private func verifyStandardWebhooks(headers: HTTPFields, body: [UInt8], now: Date) throws(VerificationFailure) -> VerifiedDelivery {
        guard let header = headers[Header.webhookSignature] else { throw .missingSignature }
        guard let id = headers[Header.webhookID], !id.isEmpty else { throw .malformedSignature }
        guard let timestampText = headers[Header.webhookTimestamp], let timestamp = Int64(timestampText) else {
            throw .missingTimestamp
        }
        // Only `v1,` entries count; other versions are skipped so a sender can add new ones later. Two
        // `webhook-signature` headers arrive joined by ", ", so an entry may end in a comma.
        var signatures: [Data] = []
        for entry in header.split(separator: " ") where entry.hasPrefix("v1,") {
            let encoded = entry.dropFirst(3)
            guard let signature = Data(base64Encoded: String(encoded.hasSuffix(",") ? encoded.dropLast() : encoded)) else { continue }
            signatures.append(signature)
        }
        try checkCount(signatures)
        // Before any HMAC: a stale delivery costs nothing but this comparison.
        try checkTolerance(timestamp, now: now)
        guard matchesAny(signatures, prefix: Array("\(id).\(timestamp).".utf8), body: body) else { throw .invalidSignature }
        return VerifiedDelivery(deliveryID: id)
    }

    private func verifyStripe(headers: HTTPFields, body: [UInt8], now: Date) throws(VerificationFailure) -> VerifiedDelivery {
        guard let header = headers[Header.stripeSignature] else { throw .missingSignature }
        var timestamp: Int64?
        var signatures: [Data] = []
        for item in header.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let key = pair[0].trimmingCharacters(in: .whitespaces)
            if key == "t" {
                guard let value = Int64(pair[1].trimmingCharacters(in: .whitespaces)) else { throw .missingTimestamp }
                // Two timestamps (two `Stripe-Signature` headers joined) would leave the choice to us.
                if let timestamp, timestamp != value { throw .malformedSignature }
                timestamp = value
            } else if key == "v1" {
                guard let bytes = Self.decodeHex(pair[1]) else { throw .malformedSignature }
                signatures.append(Data(bytes))
            }
        }
        guard let timestamp else { throw .missingTimestamp }
        try checkCount(signatures)
        try checkTolerance(timestamp, now: now)
        guard let matched = firstMatch(signatures, prefix: Array("\(timestamp).".utf8), body: body) else { throw .invalidSignature }
        return VerifiedDelivery(deliveryIDInBody: true, signedRequestID: "t\(timestamp)-\(Self.hex(matched.prefix(16)))")
    }

    private func checkHex(_ hex: Substring, signed body: [UInt8]) throws(VerificationFailure) {
        guard let mac = Self.decodeHex(hex), mac.count == Self.macLength else { throw .malformedSignature }
        guard matchesAny([Data(mac)], prefix: [], body: body) else { throw .invalidSignature }
    }

    /// The most signatures one delivery may carry. A sender rotating its secret sends two or three; a
    /// header of thousands would otherwise cost one comparison each.
    static let maxSignatures = 8
    /// HMAC-SHA256's length: a signature of any other length can never match.
    static let macLength = 32

    private func checkCount(_ signatures: [Data]) throws(VerificationFailure) {
        guard !signatures.isEmpty, signatures.count <= Self.maxSignatures else { throw .malformedSignature }
    }

    /// The first of `signatures` that one of the keys made. One HMAC per secret, whatever the number of
    /// signatures, each compared in constant time with every signature: no early exit that would time
    /// which secret or which signature matched.
    private func firstMatch(_ signatures: [Data], prefix: [UInt8], body: [UInt8]) -> Data? {
        var found: Data?
        for key in keys {
            var hmac = HMAC<SHA256>(key: key)
            hmac.update(data: prefix)
            hmac.update(data: body)
            let mac = hmac.finalize()
            for signature in signatures where signature.count == Self.macLength && mac == signature && found == nil {
                found = signature
            }
        }
        return found
    }

    /// Lowercase hex, two digits a byte.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    private func matchesAny(_ signatures: [Data], prefix: [UInt8], body: [UInt8]) -> Bool {
        firstMatch(signatures, prefix: prefix, body: body) != nil
    }

    private func checkTolerance(_ timestamp: Int64, now: Date) throws(VerificationFailure) {
        let skew = abs(now.timeIntervalSince1970 - TimeInterval(timestamp))
        if skew > tolerance { throw .timestampOutsideTolerance }
    }

    static func decodeHex(_ text: Substring) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty, utf8.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
