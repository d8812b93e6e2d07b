public import BotKit

/// Adds what rules need but the event did not carry (an export's project), before rules run.
///
/// BotEngine has no HTTP; AvalaBot implements this over the API client. It must not throw: when
/// enrichment fails, the event goes on as it was and the missing part stays absent.
public protocol Enricher: Sendable {
    func enrich(_ event: Event) async -> Event
}

/// Enriches nothing.
public struct NoEnricher: Enricher {
    public init() {}
    public func enrich(_ event: Event) async -> Event { event }
}
