import Foundation
import HTTPTypes
import Testing
import WebhookListener

/// What `avala-bot sign` produces verifies with the listener's own verifier, for every scheme.
@Suite struct WebhookSignerTests {
    static let body = Array(#"{"uid": "e-1", "status": "exported"}"#.utf8)

    @Test(arguments: [
        (WebhookScheme.avala, "plain-secret"), (.github, "plain-secret"), (.stripe, "plain-secret"),
        (.standardWebhooks, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    ])
    func signedDeliveriesVerify(scheme: WebhookScheme, secret: String) throws {
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        let headers = try WebhookSigner(scheme: scheme, secret: secret).headers(
            for: Self.body,
            event: "export.completed",
            deliveryID: "msg_1",
            at: now
        )
        var fields = HTTPFields()
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        let verifier = try SignatureVerifier(WebhookVerification(scheme: scheme, secrets: [WebhookSecret(secret)]))
        _ = try verifier.verify(headers: fields, body: Self.body, now: now)
        // The same headers over another body must not verify.
        #expect(throws: (any Error).self) { try verifier.verify(headers: fields, body: Self.body + [0x20], now: now) }
    }

    @Test func theStandardWebhooksVectorIsReproduced() throws {
        let headers = try WebhookSigner(scheme: .standardWebhooks, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").headers(
            for: Array(#"{"test": 2432232314}"#.utf8),
            event: "",
            deliveryID: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            at: Date(timeIntervalSince1970: 1_614_265_330)
        )
        #expect(headers.first { $0.0 == "webhook-signature" }?.1 == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }
}
