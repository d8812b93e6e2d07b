import BotEngine
import BotKit

/// Gives an event about an export the bot created the chain depth recorded when it was created, so a
/// webhook brings the same depth as the poller would (the poller reads it itself).
struct ChainDepthEnricher: Enricher {
    let store: any EventStore
    let next: any Enricher

    func enrich(_ event: Event) async -> Event {
        var event = event
        let uid = event.subject?.kind == "export" ? event.subject?.uid : event.data["export"]?["uid"]?.stringValue
        if let uid, let depth = try? await ExportChain(store: store).depth(exportUID: uid), depth > event.chainDepth {
            event.chainDepth = depth
        }
        return await next.enrich(event)
    }
}
