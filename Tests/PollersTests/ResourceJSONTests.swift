import AvalaAPI
import BotKit
import Foundation
import Testing

@testable import Pollers

/// API models become event bodies with their numbers as the API wrote them.
@Suite struct ResourceJSONTests {
    /// A delivery's payload id past 2^53 reaches the event as the exact `.integer`, not a rounded Double.
    @Test func aWholeNumberPast2To53InAPayloadReachesTheEventExactly() throws {
        let text =
            #"{"uid": "d-1", "event_type": "export.completed", "payload": {"id": 9007199254740993, "ratio": 0.5}, "attempts": 1, "status": "failed"}"#
        let delivery = try AvalaJSON.makeDecoder().decode(WebhookDelivery.self, from: Data(text.utf8))
        let body = try ResourceJSON.encode(delivery)
        guard case .integer(let id)? = body[path: "payload.id"] else {
            Issue.record("payload.id is \(String(describing: body[path: "payload.id"]))")
            return
        }
        #expect(id == 9_007_199_254_740_993)
        #expect(body[path: "payload.ratio"] == .number(0.5))
    }
}
