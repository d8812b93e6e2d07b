import AvalaAPI
import BotKit

extension AvalaError {
    /// The error as plugins and the dispatcher understand it (avala-api.md §4: wait out a 429, retry 5xx
    /// and transport failures, never retry other 4xx), or nil when retrying with backoff stays the best
    /// guess (a 2xx body that did not decode: the server may be mid-deploy).
    ///
    /// The client has already retried what it may within a call; what reaches here is for the dispatcher,
    /// including a 429 whose `Retry-After` was too long to wait inside the call.
    var actionError: ActionError? {
        if isTransient {
            // A 429 was refused, and a 502/503/504 comes from before the service took the request.
            let hadNoEffect = code == .rateLimited || [502, 503, 504].contains(status ?? 0)
            return .transient(description, retryAfter: retryAfter, hadNoEffect: hadNoEffect)
        }
        if let status, (400..<500).contains(status) { return .permanent(description) }
        switch code {
        case .redirect, .invalidRequest, .invalidConfiguration: return .permanent(description)
        default: return nil
        }
    }
}
