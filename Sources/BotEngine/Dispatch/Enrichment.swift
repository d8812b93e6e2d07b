public import BotKit

/// An event as enrichment left it, and what it could not read this time.
public struct Enrichment: Sendable {
    public var event: Event
    /// Paths whose values the enricher could not read this time (`project`, `export.format`): the event
    /// waits for them, with backoff, while a rule that accepts its type uses one of them.
    public var unavailable: [String]

    public init(event: Event, unavailable: [String] = []) {
        self.event = event
        self.unavailable = unavailable
    }
}
