/// What a verified delivery's headers say about it.
public struct VerifiedDelivery: Hashable, Sendable {
    /// The sender's delivery id from a header, when its scheme carries one.
    public var deliveryID: String?
    /// The event type from a header, when the scheme carries one.
    public var eventType: String?
    /// The scheme names no delivery header but the body's `id` is the delivery's identity (Stripe's event id).
    public var deliveryIDInBody: Bool

    public init(deliveryID: String? = nil, eventType: String? = nil, deliveryIDInBody: Bool = false) {
        self.deliveryID = deliveryID
        self.eventType = eventType
        self.deliveryIDInBody = deliveryIDInBody
    }
}
