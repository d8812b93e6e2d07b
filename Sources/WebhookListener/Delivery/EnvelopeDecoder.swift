import BotEngine
import BotKit
import Foundation

/// Turns a verified, parsed body into the event the store gets.
///
/// `avala`: the type from the header, else the body's `event`, `event_type` or `type`; the resource and
/// keys from ``EventNormalizer`` (the same code `simulate --type` uses). `avala-bot`: the bot's own
/// `{type, data, id?, chain_depth?}`, with `id` as delivery id when no header named one. Empty ids and
/// types count as absent. `bot.*` types come only from a peer bot (`avala-bot`), never from Avala.
enum EnvelopeDecoder {
    enum Failure: Error, Hashable, Sendable {
        case noEventType
        case notAnEvent(String)

        var reason: String {
            switch self {
            case .noEventType: "no event type in header or body"
            case .notAnEvent(let detail): detail
            }
        }
    }

    static func event(
        body: JSON,
        format: WebhookFormat,
        delivery: VerifiedDelivery,
        source: String,
        now: Date
    ) throws(Failure) -> Event {
        let headerType = nonEmpty(delivery.eventType).map(EventType.init(rawValue:))
        switch format {
        case .avala:
            // Every Avala payload is an object: anything else would be stored as `data.<kind> = [1,2,3]`
            // with no subject, and its rules would see an event with nothing in it.
            guard case .object = body else { throw .notAnEvent("expected a JSON object, got \(Self.kind(of: body))") }
            guard let type = headerType ?? EventNormalizer.typeInBody(body) else { throw .noEventType }
            try Self.checkName(type)
            // `bot.*` events are the bot's own (its health, dead letters, roster schedule): Avala never
            // sends one, and one taken from outside could start what only the bot should (a roster sync).
            guard !type.rawValue.hasPrefix("bot.") else {
                throw .notAnEvent("event type '\(type.rawValue)' is reserved for the bot's own events")
            }
            let deliveryID =
                nonEmpty(delivery.deliveryID)
                ?? (delivery.deliveryIDInBody ? nonEmpty(body["id"]?.stringValue) ?? delivery.signedRequestID : nil)
            return EventNormalizer.normalize(type: type, body: body, source: source, deliveryID: deliveryID, receivedAt: now)
        case .avalaBot:
            guard case .object = body else { throw .notAnEvent("expected a JSON object, got \(Self.kind(of: body))") }
            guard let type = headerType ?? nonEmpty(body["type"]?.stringValue).map(EventType.init(rawValue:)) else { throw .noEventType }
            try Self.checkName(type)
            guard case .object(let object)? = body["data"] else { throw .notAnEvent("event has no data object") }
            // An empty id must not become the key `delivery:<source>:`, which every later one would share.
            let deliveryID = nonEmpty(delivery.deliveryID) ?? nonEmpty(body["id"]?.stringValue)
            let chainDepth = max(0, body["chain_depth"]?.intValue ?? 0)
            return EventNormalizer.botForm(
                type: type,
                data: object,
                source: source,
                deliveryID: deliveryID,
                receivedAt: now,
                chainDepth: chainDepth
            )
        }
    }

    /// A type must be a name (``BotKit/EventType/nameProblem``).
    static func checkName(_ type: EventType) throws(Failure) {
        if let problem = type.nameProblem { throw .notAnEvent(problem) }
    }

    /// What a body is, for a rejection's reason.
    private static func kind(of body: JSON) -> String {
        switch body {
        case .null: "null"
        case .bool: "a boolean"
        case .number, .integer: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
