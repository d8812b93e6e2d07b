import BotEngine
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// What every path of one listener shares: the store, the wake-up signal, the limits and the counters.
struct ListenerShared: Sendable {
    let configuration: WebhookListenerConfiguration
    let store: any EventStore
    let wake: WakeSignal?
    let addresses: ClientAddressResolver
    let limiter: TokenBucketLimiter
    let bursts: RejectionBurstTracker
    /// 403s and 429s reach the log at info once a minute per path and status.
    let refusalLog = RefusalLogGate()
    let health: StoreHealth
    let now: @Sendable () -> Date
    let logger: Logger

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// The request's client: the peer, or whom a trusted proxy names in `X-Forwarded-For`.
    func client(of request: Request, context: ListenerRequestContext) -> String? {
        addresses.client(peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[Self.forwardedFor])
    }
}
