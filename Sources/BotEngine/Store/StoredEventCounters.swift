import BotKit
import Metrics

/// `avala_bot_events_total{source, outcome}`: every event the store was asked to keep, by where it came
/// from (`webhook`, `poller`, `bot`) and whether it was `new` or a `duplicate` of one already stored.
///
/// Counted after the write committed, so a failed write counts nothing. The counters are made once per
/// store rather than looked up per event (the listener ingests thousands a second), and the labels are
/// bounded: event types, which a sender chooses, are not one of them.
struct StoredEventCounters: Sendable {
    private let new: [Event.Source: Counter]
    private let duplicate: [Event.Source: Counter]

    init() {
        let sources: [Event.Source] = [.webhook, .poller, .bot]
        func counters(_ outcome: String) -> [Event.Source: Counter] {
            Dictionary(
                uniqueKeysWithValues: sources.map { source in
                    (source, Counter(label: "avala_bot_events_total", dimensions: [("source", source.rawValue), ("outcome", outcome)]))
                }
            )
        }
        new = counters("new")
        duplicate = counters("duplicate")
    }

    /// `results` answers `events`, one for one, in order.
    func record(_ events: [Event], _ results: [IngestResult]) {
        for (event, result) in zip(events, results) {
            (result.isNew ? new : duplicate)[event.source]?.increment()
        }
    }
}
