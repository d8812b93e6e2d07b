import BotEngine
import BotKit
import Logging

/// Gives an event about an export the bot created the chain depth recorded when it was created, so a
/// webhook brings the same depth as the poller would (the poller reads it itself).
///
/// An export whose uid was never recorded — the bot crashed after Avala created it, or lost the answer
/// and the action waits for its retry or lies dead-lettered — is placed by the export plugin's pending
/// chain intents (``PendingChainIntents``) instead: one of the same project or dataset and format,
/// created around the intent's time, gets the intent's depth, and that depth is kept for its uid so
/// later events agree. Kept apart from the record: a guess (another export of the same project and
/// format may fall in the window) must give way to the export's own depth once the plugin records it. Without this its events would start the chain again at 0, and a rule that
/// triggers itself would run past `max_chain_depth`.
struct ChainDepthEnricher: Enricher {
    let store: any EventStore
    let next: any Enricher
    let logger: Logger

    /// The next enrichers' result, with its chain depth; what they could not read stays named.
    func enrichment(of event: Event) async -> Enrichment {
        // Intents are matched after the next enrichers: Avala's webhook body names no project, and
        // ``ProjectEnricher`` reads the export's projects and datasets from the API.
        var enrichment = await next.enrichment(of: event)
        enrichment.event = await withChainDepth(enrichment.event)
        return enrichment
    }

    /// `event` with the depth recorded for its export, read once: after the next enrichers, so that a
    /// depth the export plugin recorded while they waited on the API is the one applied. The listener and
    /// the poller set it already; this covers an event stored before the export's chain was recorded (the
    /// webhook raced the plugin's record). Without a record, the pending intents place the export.
    func withChainDepth(_ event: Event) async -> Event {
        guard let uid = event.chainExportUID else { return event }
        let recorded: Int?
        do {
            recorded = try await store.recordedChainDepth(exportUID: uid)
        } catch {
            logger.warning(
                "Could not read the export's recorded chain depth; the event keeps the depth it carries",
                metadata: ["event.id": "\(event.id)", "export.uid": "\(uid)", "error": "\(error)"]
            )
            return event
        }
        if let recorded { return event.withChainDepth(atLeast: recorded) }
        return await withIntendedChainDepth(event)
    }

    /// `event` with the depth of the pending intents that cover its export, whose uid has no depth
    /// recorded; kept for the uid (apart from the record) so later events agree once the intents are gone.
    func withIntendedChainDepth(_ event: Event) async -> Event {
        guard let export = event.chainExport else { return event }
        let chain = ExportChain(store: store)
        let kept: Int?
        let depth: Int
        do {
            // A depth kept from an earlier event applies whatever this one's shape (an agent-style body
            // has no creation time); only placing the export anew needs it inside an intent's window.
            kept = try await chain.intendedDepth(exportUID: export.uid)
            let covering = export.createdAt == nil ? nil : try await PendingChainIntents(store: store).depth(for: export)
            guard let found = [kept, covering].compactMap(\.self).max() else { return event }
            depth = found
        } catch {
            logger.warning(
                "Could not read the export chain intents; the event keeps the depth it carries",
                metadata: ["event.id": "\(event.id)", "export.uid": "\(export.uid)", "error": "\(error)"]
            )
            return event
        }
        if depth > kept ?? -1 {
            do {
                try await chain.recordIntended(exportUID: export.uid, depth: depth)
                logger.info(
                    "An export whose creation was not recorded takes its chain depth from the intent",
                    metadata: ["event.id": "\(event.id)", "export.uid": "\(export.uid)", "export.depth": "\(depth)"]
                )
            } catch {
                // This event has the depth all the same; a later one about the export is placed again.
                logger.warning(
                    "Could not keep the chain depth of an export placed by an intent",
                    metadata: ["event.id": "\(event.id)", "export.uid": "\(export.uid)", "error": "\(error)"]
                )
            }
        }
        var deeper = event
        deeper.chainDepth = max(event.chainDepth, depth)
        return deeper
    }
}
