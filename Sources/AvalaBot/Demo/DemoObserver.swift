import BotEngine
import BotKit
import Foundation
import Synchronization

/// Reads the store as the bot works and tells the story on the timeline: each event as it is stored,
/// then each rule's action and how it ended (event → rule → action → result).
final class DemoObserver: Sendable {
    private struct Seen {
        var events: Set<String> = []
        var finished: Set<String> = []
        var steps: [String: StepRecord.Status] = [:]
        var outcomes: [StepRecord.Status: Int] = [:]
    }

    let store: any EventStore
    let timeline: DemoTimeline
    private let seen = Mutex(Seen())

    init(store: any EventStore, timeline: DemoTimeline) {
        self.store = store
        self.timeline = timeline
    }

    /// Final action outcomes so far, by status.
    var outcomes: [StepRecord.Status: Int] { seen.withLock { $0.outcomes } }
    var eventCount: Int { seen.withLock { $0.events.count } }

    /// Looks at the store every `interval` until cancelled.
    func watch(every interval: Duration = .milliseconds(100)) async {
        while !Task.isCancelled {
            try? await look()
            try? await Task.sleep(for: interval)
        }
    }

    func look() async throws {
        let recent = try await store.recentEvents(limit: 200, since: nil).sorted { $0.storedAt < $1.storedAt }
        for stored in recent {
            let id = stored.event.id
            let (isNew, isFinished) = seen.withLock { seen in (seen.events.insert(id).inserted, seen.finished.contains(id)) }
            if isNew { timeline.say("event", Self.describe(stored.event)) }
            if isFinished { continue }
            let steps = try await store.steps(eventID: id).sorted { $0.actionIndex < $1.actionIndex }
            for step in steps {
                let changed = seen.withLock { seen in
                    guard seen.steps[step.stepID] != step.status else { return false }
                    seen.steps[step.stepID] = step.status
                    if step.isFinal { seen.outcomes[step.status, default: 0] += 1 }
                    return true
                }
                guard changed, step.status != .running else { continue }
                let action =
                    step.action == "send" || step.action == "create" || step.action == "write" ? step.plugin : "\(step.plugin).\(step.action)"
                timeline.say("rule", "\(step.rule) → \(action): \(step.status.rawValue) — \(step.detail ?? "")")
            }
            if stored.status == .done, steps.allSatisfy(\.isFinal) {
                seen.withLock { _ = $0.finished.insert(id) }
            }
        }
    }

    /// One line about an event: its type, its subject, where it came from.
    static func describe(_ event: Event) -> String {
        var subject = ""
        if let export = event.data["export"], let uid = export["uid"]?.stringValue {
            subject = "export \(uid.prefix(8))… (\(export["format"]?.stringValue ?? "?"))"
        } else if let member = event.data["member"], let email = member["email"]?.stringValue {
            subject = "\(email) in \(event.data["organization"]?.stringValue ?? "?")"
        } else if let kind = event.subject?.kind, let uid = event.subject?.uid {
            subject = "\(kind) \(uid)"
        }
        let depth = event.chainDepth > 0 ? ", chain depth \(event.chainDepth)" : ""
        return "\(event.type.rawValue) \(subject) [\(event.source.rawValue) \(event.origin)\(depth)]"
    }
}
