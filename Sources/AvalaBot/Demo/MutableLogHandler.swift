import Logging
import Synchronization

/// A log handler the demo can silence once its scenario is done: stopping the servers it started then
/// logs expected cancellations that would only confuse a first-time reader.
struct MutableLogHandler: LogHandler {
    /// Shared by every logger of the process.
    final class Switch: Sendable {
        private let muted = Atomic(false)
        func mute() { muted.store(true, ordering: .relaxed) }
        var isMuted: Bool { muted.load(ordering: .relaxed) }
    }

    var base: any LogHandler
    let gate: Switch

    func log(event: LogEvent) {
        guard !gate.isMuted else { return }
        base.log(event: event)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }
}
