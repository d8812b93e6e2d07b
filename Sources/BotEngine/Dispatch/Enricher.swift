public import BotKit

/// Adds what rules need but the event did not carry (an export's project), before rules run.
///
/// BotEngine has no HTTP; AvalaBot implements this over the API client. It must not throw: when
/// enrichment fails, the missing part stays absent, and ``enrichment(of:)`` names it so that the
/// dispatcher can let the event wait for it while a rule needs it.
public protocol Enricher: Sendable {
    func enrichment(of event: Event) async -> Enrichment
}

extension Enricher {
    /// The enriched event alone, for callers that do not wait for what is missing.
    public func enrich(_ event: Event) async -> Event { await enrichment(of: event).event }
}

/// Enriches nothing.
public struct NoEnricher: Enricher {
    public init() {}
    public func enrichment(of event: Event) async -> Enrichment { Enrichment(event: event) }
}
