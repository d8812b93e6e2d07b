/// Why a delivery's signature was not accepted.
///
/// The ``reason`` is what the sender sees in the 401 body: short, and never which secret was tried or
/// what signature was expected.
public enum VerificationFailure: Error, Hashable, Sendable, CaseIterable {
    case missingSignature
    case malformedSignature
    case invalidSignature
    case missingTimestamp
    case timestampOutsideTolerance

    /// A stable, lowercase reason: the 401 body, the log and the burst event's `reasons`.
    public var reason: String {
        switch self {
        case .missingSignature: "missing signature"
        case .malformedSignature: "malformed signature"
        case .invalidSignature: "invalid signature"
        case .missingTimestamp: "missing or malformed timestamp"
        case .timestampOutsideTolerance: "timestamp outside tolerance"
        }
    }
}
