import BotEngine
import BotKit
import Foundation
import Testing

@testable import WebhookListener

/// Stripe's scheme carries no delivery header: the body's `id` is the delivery's identity. A body
/// without one is still known by its signed timestamp and signature, so the same request sent again
/// within the tolerance is a duplicate, and a request signed anew is a new delivery.
@Suite struct SignedRequestReplayTests {
    @Test func theSameStripeRequestWithoutAnIdIsADuplicate() async throws {
        let configuration = ListenerHarness.plainConfiguration(scheme: .stripe, secrets: ["whsec_stripe_test"])
        try await ListenerHarness.with(configuration) { harness async throws in
            let body = Array(#"{"type":"custom.ping","data":{"note":"no id here"}}"#.utf8)
            let signer = try WebhookSigner(scheme: .stripe, secret: "whsec_stripe_test")
            let now = Date()
            let headers = signer.headers(for: body, event: "custom.ping", deliveryID: "", at: now)

            let first = try await harness.post(body: body, headers: headers)
            #expect(first.status == 202)
            let replay = try await harness.post(body: body, headers: headers)
            #expect(replay.status == 200)
            #expect(replay.json?["duplicate"] as? Bool == true)

            // The sender's own retry is signed again, at another second: a delivery of its own.
            let resigned = try await harness.post(body: body, headers: signer.headers(for: body, event: "custom.ping", deliveryID: "", at: now + 2))
            #expect(resigned.status == 202)
            let events = try await harness.events()
            #expect(events.count == 2)
            #expect(events.allSatisfy { $0.event.keys.count == 1 && $0.event.keys[0].hasPrefix("delivery:avala:t") })
        }
    }
}
