import BotEngine
import Foundation
import Logging

/// What every path of one listener shares: the store, the wake-up signal, the limits and the counters.
struct ListenerShared: Sendable {
    let configuration: WebhookListenerConfiguration
    let store: any EventStore
    let wake: WakeSignal?
    let addresses: ClientAddressResolver
    let limiter: TokenBucketLimiter
    let bursts: RejectionBurstTracker
    let health: StoreHealth
    let now: @Sendable () -> Date
    let logger: Logger
}
