import BotEngine
import BotKit
import Foundation
import Synchronization

/// Counts rejected deliveries per source in fixed windows and says when a window reaches the threshold,
/// exactly once per source and window, so a flood of forgeries becomes one `bot.webhook.rejected_burst`
/// event rather than one per request.
final class RejectionBurstTracker: Sendable {
    private struct Window {
        var start: Date
        var count: Int
        var reasons: [String: Int]
        var raised: Bool
    }

    private let policy: RejectedBurstPolicy
    private let windows = Mutex<[String: Window]>([:])

    init(_ policy: RejectedBurstPolicy) {
        self.policy = policy
    }

    /// What one rejection amounted to.
    struct Recorded {
        /// The burst event, when this rejection reached the threshold.
        var burst: Event?
        /// Whether the window had already raised its burst: the rejection is part of a flood that was
        /// reported, so the listener logs it at debug instead of adding a line per forged request.
        var inReportedBurst: Bool
    }

    /// Records one rejection; says whether it reached the threshold, or came after the window's burst.
    func record(source: String, reason: String, now: Date) -> Recorded {
        let length = max(1, policy.window.seconds)
        let start = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / length).rounded(.down) * length)
        let (reached, raisedBefore): (Window?, Bool) = windows.withLock { windows in
            var window = windows[source].flatMap { $0.start == start ? $0 : nil } ?? Window(start: start, count: 0, reasons: [:], raised: false)
            window.count += 1
            window.reasons[reason, default: 0] += 1
            defer { windows[source] = window }
            guard !window.raised, window.count >= policy.threshold else { return (nil, window.raised) }
            window.raised = true
            return (window, false)
        }
        guard let reached else { return Recorded(burst: nil, inReportedBurst: raisedBefore) }
        let windowStart = Event.timestamp(reached.start)
        let event = Event(
            type: .botWebhookRejectedBurst,
            source: .bot,
            origin: source,
            time: now,
            data: [
                "source": .string(source),
                "count": .number(Double(reached.count)),
                "reasons": .object(reached.reasons.mapValues { .number(Double($0)) }),
                "window_start": .string(windowStart),
            ],
            keys: ["\(EventType.botWebhookRejectedBurst.rawValue):\(source):\(windowStart)"]
        )
        return Recorded(burst: event, inReportedBurst: false)
    }
}
