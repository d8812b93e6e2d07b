/// What a verified delivery's headers say about it.
public struct VerifiedDelivery: Hashable, Sendable {
    /// The sender's delivery id from a header, when its scheme carries one.
    public var deliveryID: String?
    /// The event type from a header, when the scheme carries one.
    public var eventType: String?
    /// The scheme names no delivery header but the body's `id` is the delivery's identity (Stripe's event id).
    public var deliveryIDInBody: Bool
    /// For such a scheme, what identifies this very request when the body has no `id`: its signed
    /// timestamp and signature. The same request sent again within the tolerance is then a duplicate, not
    /// a second event; the sender's own retry is signed anew, so it is not taken for one.
    public var signedRequestID: String?

    public init(deliveryID: String? = nil, eventType: String? = nil, deliveryIDInBody: Bool = false, signedRequestID: String? = nil) {
        self.deliveryID = deliveryID
        self.eventType = eventType
        self.deliveryIDInBody = deliveryIDInBody
        self.signedRequestID = signedRequestID
    }
}
