import Foundation
import Synchronization

/// The demo's readable output: one line per step, with the time since the start.
final class DemoTimeline: Sendable {
    private let started = ContinuousClock.now
    private let steps = Mutex(0)

    func say(_ actor: String, _ text: String) {
        steps.withLock { $0 += 1 }
        let elapsed = started.duration(to: .now)
        let millis = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        let padded = actor.padding(toLength: 9, withPad: " ", startingAt: 0)
        Console.line(String(format: "%6.2fs  ", Double(millis) / 1000) + "\(padded) \(text)")
    }

    func summary() {
        Console.line("Demo finished: \(steps.withLock { $0 }) steps, no key, no network.")
    }
}
