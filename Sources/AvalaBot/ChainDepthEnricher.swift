import BotEngine
import BotKit

/// Gives an event about an export the bot created the chain depth recorded when it was created, so a
/// webhook brings the same depth as the poller would (the poller reads it itself).
struct ChainDepthEnricher: Enricher {
    let store: any EventStore
    let next: any Enricher

    func enrich(_ event: Event) async -> Event {
        // The listener and the poller set it already; this covers an event stored before the export's
        // chain was recorded (the webhook raced the plugin's record).
        await next.enrich(await store.withRecordedChainDepth(event))
    }
}
