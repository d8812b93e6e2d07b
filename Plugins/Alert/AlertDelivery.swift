import Foundation

/// How one send went.
enum AlertDelivery: Hashable, Sendable {
    case delivered
    /// Worth trying again: unreachable, 408, 429 or 5xx; `retryAfter` when the receiver said when.
    case transient(retryAfter: Date?, reason: String)
    /// Trying again will not help (a 4xx other than 408 and 429): the URL or the payload is wrong.
    case permanent(String)
}
