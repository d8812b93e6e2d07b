import BotEngine
import Foundation
import Synchronization

/// The demo's readable output: one line per step, with the time since the start, then a summary.
final class DemoTimeline: Sendable {
    private let started = ContinuousClock.now
    private let lines = Mutex<[String]>([])

    var elapsedSeconds: Double {
        started.duration(to: .now).seconds
    }

    /// Everything said so far, for tests.
    var transcript: [String] { lines.withLock { $0 } }

    func say(_ actor: String, _ text: String) {
        let padded = actor.padding(toLength: 9, withPad: " ", startingAt: 0)
        let line = String(format: "%6.2fs  ", elapsedSeconds) + "\(padded) \(text)"
        lines.withLock { $0.append(line) }
        Console.line(line)
    }

    func summary(jobs: [(name: String, result: String)], events: Int, outcomes: [(status: String, count: Int)]) {
        let actions = outcomes.map(\.count).reduce(0, +)
        let byStatus = outcomes.sorted { $0.status < $1.status }.map { "\($0.count) \($0.status)" }.joined(separator: ", ")
        var text = [
            "",
            String(
                format: "Demo finished in %.1f s: %d of 3 jobs done, %d events, %d actions (%@).",
                elapsedSeconds,
                jobs.count,
                events,
                actions,
                byStatus
            ),
        ]
        for (index, job) in jobs.enumerated() { text.append("  \(index + 1). \(job.name): \(job.result)") }
        text.append("No key, no network: everything ran against the embedded simulator.")
        for line in text {
            lines.withLock { $0.append(line) }
            Console.line(line)
        }
    }
}
