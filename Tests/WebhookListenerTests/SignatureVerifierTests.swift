import Crypto
import Foundation
import HTTPTypes
import Testing
import WebhookListener

@Suite struct SignatureVerifierTests {
    static func headers(_ pairs: [(String, String)]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return fields
    }

    static func verify(
        _ scheme: WebhookScheme,
        secrets: [WebhookSecret],
        headers: [(String, String)],
        body: String,
        now: Date = Date(),
        tolerance: Duration = .seconds(300)
    ) throws(VerificationFailure) -> VerifiedDelivery {
        let verifier = try! SignatureVerifier(WebhookVerification(scheme: scheme, secrets: secrets, tolerance: tolerance))
        return try verifier.verify(headers: Self.headers(headers), body: Array(body.utf8), now: now)
    }

    // GitHub's published example: secret "It's a Secret to Everybody", payload "Hello, World!".
    static let githubSecret: WebhookSecret = "It's a Secret to Everybody"
    static let githubMAC = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    @Test func githubKnownAnswer() throws {
        let delivery = try Self.verify(
            .github,
            secrets: [Self.githubSecret],
            headers: [("X-Hub-Signature-256", "sha256=" + Self.githubMAC), ("X-GitHub-Event", "push"), ("X-GitHub-Delivery", "g-1")],
            body: "Hello, World!"
        )
        #expect(delivery == VerifiedDelivery(deliveryID: "g-1", eventType: "push"))
    }

    @Test func githubNeedsThePrefixAndTheRightBody() {
        #expect(throws: VerificationFailure.malformedSignature) {
            try Self.verify(.github, secrets: [Self.githubSecret], headers: [("X-Hub-Signature-256", Self.githubMAC)], body: "Hello, World!")
        }
        #expect(throws: VerificationFailure.invalidSignature) {
            try Self.verify(
                .github,
                secrets: [Self.githubSecret],
                headers: [("X-Hub-Signature-256", "sha256=" + Self.githubMAC)],
                body: "Hello, World?"
            )
        }
    }

    @Test(arguments: ["", "sha256="])
    func avalaKnownAnswerWithAndWithoutPrefix(prefix: String) throws {
        // The avala scheme is the same HMAC as GitHub's, so GitHub's published vector applies.
        let delivery = try Self.verify(
            .avala,
            secrets: [Self.githubSecret],
            headers: [
                ("X-Avala-Webhook-Signature", prefix + Self.githubMAC), ("X-Avala-Webhook-Event", "export.completed"),
                ("X-Avala-Webhook-Delivery", "d-9"),
            ],
            body: "Hello, World!"
        )
        #expect(delivery.deliveryID == "d-9")
        #expect(delivery.eventType == "export.completed")
    }

    @Test func avalaRejectsTamperedBodyHeaderAndMissingSignature() {
        #expect(throws: VerificationFailure.invalidSignature) {
            try Self.verify(.avala, secrets: [Self.githubSecret], headers: [("X-Avala-Webhook-Signature", Self.githubMAC)], body: "Hello, World")
        }
        var tampered = Array(Self.githubMAC)
        tampered[0] = tampered[0] == "7" ? "8" : "7"
        #expect(throws: VerificationFailure.invalidSignature) {
            try Self.verify(
                .avala,
                secrets: [Self.githubSecret],
                headers: [("X-Avala-Webhook-Signature", String(tampered))],
                body: "Hello, World!"
            )
        }
        #expect(throws: VerificationFailure.malformedSignature) {
            try Self.verify(.avala, secrets: [Self.githubSecret], headers: [("X-Avala-Webhook-Signature", "zz")], body: "Hello, World!")
        }
        #expect(throws: VerificationFailure.missingSignature) {
            try Self.verify(.avala, secrets: [Self.githubSecret], headers: [], body: "Hello, World!")
        }
    }

    @Test func anyOfSeveralSecretsIsAccepted() throws {
        let headers = [("X-Avala-Webhook-Signature", Self.githubMAC)]
        _ = try Self.verify(.avala, secrets: ["old-secret", Self.githubSecret], headers: headers, body: "Hello, World!")
        _ = try Self.verify(.avala, secrets: [Self.githubSecret, "new-secret"], headers: headers, body: "Hello, World!")
        #expect(throws: VerificationFailure.invalidSignature) {
            try Self.verify(.avala, secrets: ["old-secret", "new-secret"], headers: headers, body: "Hello, World!")
        }
    }

    /// No usable secret is a configuration error, not a listener that answers every delivery 401 (nor
    /// one that accepts them all); only `none` may go without.
    @Test(arguments: [WebhookScheme.avala, .github, .standardWebhooks, .stripe])
    func aSchemeWithoutSecretsIsRefused(scheme: WebhookScheme) throws {
        for secrets: [WebhookSecret] in [[], [""], ["", ""]] {
            let error = #expect(throws: WebhookListenerError.self) {
                try SignatureVerifier(WebhookVerification(scheme: scheme, secrets: secrets))
            }
            #expect(error?.message.contains("verify.secrets has no non-empty secret") == true)
            #expect(error?.message.contains("AVALA_WEBHOOK_SECRET") == true)
        }
        _ = try SignatureVerifier(WebhookVerification(scheme: .none, secrets: []))
    }

    // The Standard Webhooks example (FACTS.md, checked with the PyPI package).
    static let swSecret: WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let swID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let swTimestamp = "1614265330"
    static let swBody = #"{"test": 2432232314}"#
    static let swSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    static let swNow = Date(timeIntervalSince1970: 1_614_265_330)

    static func swHeaders(id: String = swID, timestamp: String = swTimestamp, signature: String = swSignature) -> [(String, String)] {
        [("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", signature)]
    }

    @Test func standardWebhooksKnownAnswer() throws {
        let delivery = try Self.verify(.standardWebhooks, secrets: [Self.swSecret], headers: Self.swHeaders(), body: Self.swBody, now: Self.swNow)
        #expect(delivery.deliveryID == Self.swID)
    }

    @Test func standardWebhooksAcceptsOneGoodSignatureAmongSeveral() throws {
        let header = "v1,Zm9vYmFyYmF6 v2,whatever " + Self.swSignature
        _ = try Self.verify(
            .standardWebhooks,
            secrets: [Self.swSecret],
            headers: Self.swHeaders(signature: header),
            body: Self.swBody,
            now: Self.swNow
        )
    }

    @Test func standardWebhooksRejectsTampering() {
        #expect(throws: VerificationFailure.invalidSignature) {
            try Self.verify(.standardWebhooks, secrets: [Self.swSecret], headers: Self.swHeaders(), body: #"{"test": 2432232315}"#, now: Self.swNow)
        }
        #expect(throws: VerificationFailure.invalidSignature) {
            try Self.verify(.standardWebhooks, secrets: [Self.swSecret], headers: Self.swHeaders(id: "msg_other"), body: Self.swBody, now: Self.swNow)
        }
        // A shifted timestamp changes the signed content, so it fails as a signature, not as staleness.
        #expect(throws: VerificationFailure.invalidSignature) {
            try Self.verify(
                .standardWebhooks,
                secrets: [Self.swSecret],
                headers: Self.swHeaders(timestamp: "1614265331"),
                body: Self.swBody,
                now: Self.swNow
            )
        }
        #expect(throws: VerificationFailure.missingTimestamp) {
            try Self.verify(
                .standardWebhooks,
                secrets: [Self.swSecret],
                headers: Self.swHeaders(timestamp: "soon"),
                body: Self.swBody,
                now: Self.swNow
            )
        }
    }

    @Test(arguments: [-301.0, 301.0])
    func standardWebhooksToleranceBothWays(offset: TimeInterval) throws {
        #expect(throws: VerificationFailure.timestampOutsideTolerance) {
            try Self.verify(
                .standardWebhooks,
                secrets: [Self.swSecret],
                headers: Self.swHeaders(),
                body: Self.swBody,
                now: Self.swNow.addingTimeInterval(offset)
            )
        }
        _ = try Self.verify(
            .standardWebhooks,
            secrets: [Self.swSecret],
            headers: Self.swHeaders(),
            body: Self.swBody,
            now: Self.swNow.addingTimeInterval(offset > 0 ? 299 : -299)
        )
    }

    @Test func standardWebhooksSecretMustBeBase64() {
        #expect(throws: WebhookListenerError.self) {
            try SignatureVerifier(WebhookVerification(scheme: .standardWebhooks, secrets: ["whsec_not base64!"]))
        }
    }

    // Computed once with Python's hmac: HMAC-SHA256("whsec_stripe_test", "1700000000." + body).
    static let stripeBody = #"{"id":"evt_1","type":"export.completed","data":{"object":{"uid":"e-1"}}}"#
    static let stripeMAC = "4823c1fe16bc86429f3d87f8df77afef25af71b679040f92c2627c1614a10fa5"
    static let stripeNow = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func stripeKnownAnswerAmongSeveralV1() throws {
        let header = "t=1700000000,v1=\(String(repeating: "ab", count: 32)),v1=\(Self.stripeMAC),v0=ignored"
        let delivery = try Self.verify(
            .stripe,
            secrets: ["whsec_stripe_test"],
            headers: [("Stripe-Signature", header)],
            body: Self.stripeBody,
            now: Self.stripeNow
        )
        #expect(delivery.deliveryIDInBody)
    }

    @Test func stripeRejectsTamperedTimestampBodyAndStaleness() {
        #expect(throws: VerificationFailure.invalidSignature) {
            try Self.verify(
                .stripe,
                secrets: ["whsec_stripe_test"],
                headers: [("Stripe-Signature", "t=1700000001,v1=\(Self.stripeMAC)")],
                body: Self.stripeBody,
                now: Self.stripeNow
            )
        }
        #expect(throws: VerificationFailure.invalidSignature) {
            try Self.verify(
                .stripe,
                secrets: ["whsec_stripe_test"],
                headers: [("Stripe-Signature", "t=1700000000,v1=\(Self.stripeMAC)")],
                body: Self.stripeBody + " ",
                now: Self.stripeNow
            )
        }
        #expect(throws: VerificationFailure.timestampOutsideTolerance) {
            try Self.verify(
                .stripe,
                secrets: ["whsec_stripe_test"],
                headers: [("Stripe-Signature", "t=1700000000,v1=\(Self.stripeMAC)")],
                body: Self.stripeBody,
                now: Self.stripeNow.addingTimeInterval(-600)
            )
        }
        #expect(throws: VerificationFailure.missingTimestamp) {
            try Self.verify(.stripe, secrets: ["whsec_stripe_test"], headers: [("Stripe-Signature", "v1=\(Self.stripeMAC)")], body: Self.stripeBody)
        }
    }

    /// A header of thousands of `v1` entries would cost one comparison each (and cost an HMAC each
    /// before): more than ``SignatureVerifier/maxSignatures`` is refused before any is checked.
    @Test func theNumberOfSignaturesIsCapped() throws {
        let wrong = "v1=" + String(repeating: "ab", count: 32)
        let eight = "t=1700000000," + Array(repeating: wrong, count: 7).joined(separator: ",") + ",v1=\(Self.stripeMAC)"
        _ = try Self.verify(
            .stripe,
            secrets: ["whsec_stripe_test"],
            headers: [("Stripe-Signature", eight)],
            body: Self.stripeBody,
            now: Self.stripeNow
        )
        #expect(throws: VerificationFailure.malformedSignature) {
            try Self.verify(
                .stripe,
                secrets: ["whsec_stripe_test"],
                headers: [("Stripe-Signature", eight + "," + wrong)],
                body: Self.stripeBody,
                now: Self.stripeNow
            )
        }
        let nine = Array(repeating: "v1,Zm9vYmFyYmF6", count: 8).joined(separator: " ") + " " + Self.swSignature
        #expect(throws: VerificationFailure.malformedSignature) {
            try Self.verify(.standardWebhooks, secrets: [Self.swSecret], headers: Self.swHeaders(signature: nine), body: Self.swBody, now: Self.swNow)
        }
        let thousands = "t=1700000000," + Array(repeating: "v1=00", count: 5_000).joined(separator: ",")
        #expect(throws: VerificationFailure.malformedSignature) {
            try Self.verify(
                .stripe,
                secrets: ["whsec_stripe_test"],
                headers: [("Stripe-Signature", thousands)],
                body: Self.stripeBody,
                now: Self.stripeNow
            )
        }
    }

    /// A stale delivery is refused on its timestamp alone, before any HMAC is computed: a replayed or
    /// forged old delivery costs a comparison, not a pass over its body.
    @Test func aStaleTimestampIsRefusedBeforeTheSignatureIsChecked() {
        #expect(throws: VerificationFailure.timestampOutsideTolerance) {
            try Self.verify(
                .stripe,
                secrets: ["whsec_stripe_test"],
                headers: [("Stripe-Signature", "t=1700000000,v1=" + String(repeating: "ab", count: 32))],
                body: Self.stripeBody,
                now: Self.stripeNow.addingTimeInterval(-600)
            )
        }
        #expect(throws: VerificationFailure.timestampOutsideTolerance) {
            try Self.verify(
                .standardWebhooks,
                secrets: [Self.swSecret],
                headers: Self.swHeaders(signature: "v1,Zm9vYmFyYmF6"),
                body: Self.swBody,
                now: Self.swNow.addingTimeInterval(600)
            )
        }
    }

    /// A signature that is not 32 bytes long can never be an HMAC-SHA256.
    @Test func aSignatureOfTheWrongLengthIsMalformed() {
        #expect(throws: VerificationFailure.malformedSignature) {
            try Self.verify(
                .github,
                secrets: [Self.githubSecret],
                headers: [("X-Hub-Signature-256", "sha256=" + Self.githubMAC.prefix(32))],
                body: "Hello, World!"
            )
        }
        #expect(throws: VerificationFailure.malformedSignature) {
            try Self.verify(.avala, secrets: [Self.githubSecret], headers: [("X-Avala-Webhook-Signature", "00")], body: "Hello, World!")
        }
    }

    /// Two signature headers reach the verifier joined by ", ": both are read, and two different Stripe
    /// timestamps are refused rather than one picked.
    @Test func repeatedSignatureHeaders() throws {
        let headers = [
            ("webhook-id", Self.swID), ("webhook-timestamp", Self.swTimestamp), ("webhook-signature", Self.swSignature),
            ("webhook-signature", "v1,Zm9vYmFyYmF6"),
        ]
        _ = try Self.verify(.standardWebhooks, secrets: [Self.swSecret], headers: headers, body: Self.swBody, now: Self.swNow)
        #expect(throws: VerificationFailure.malformedSignature) {
            try Self.verify(
                .stripe,
                secrets: ["whsec_stripe_test"],
                headers: [("Stripe-Signature", "t=1700000000,v1=\(Self.stripeMAC)"), ("Stripe-Signature", "t=1700000001,v1=00")],
                body: Self.stripeBody,
                now: Self.stripeNow
            )
        }
    }

    @Test func noneAcceptsUnsignedDeliveries() throws {
        let delivery = try Self.verify(.none, secrets: [], headers: [("X-Avala-Webhook-Delivery", "d-2")], body: "{}")
        #expect(delivery.deliveryID == "d-2")
    }

    @Test func reasonsNeverNameASecret() {
        for failure in VerificationFailure.allCases {
            #expect(!failure.reason.contains("s3cret"))
            #expect(failure.reason.count < 40)
        }
        #expect("\(WebhookSecret("s3cret"))" == "<redacted>")
        #expect(String(reflecting: WebhookSecret("s3cret")) == "<redacted>")
    }
}
