import BotEngine
import BotKit
import Foundation
import Mustache
import Pollers

/// The `/status` page: recent events, what the rules did with them, dead letters and poller health,
/// rendered on the server from the store. Mustache escapes every value, so event data cannot inject
/// markup; nothing from the config (and so no secret) is shown.
struct StatusPage: Sendable {
    let store: any EventStore
    /// Names of the running pollers (`members:acme-ai`, `exports`).
    let pollers: [String]
    let started: Date
    var limit = 30

    static let template: MustacheTemplate = {
        do {
            return try MustacheTemplate(string: StatusTemplate.html)
        } catch {
            preconditionFailure("the built-in status template does not parse: \(error)")
        }
    }()

    func render(now: Date = Date()) async -> String {
        Self.template.render(await context(now: now))
    }

    func context(now: Date) async -> [String: Any] {
        var context: [String: Any] = [
            "generated": InspectFormat.time(now), "uptime": Self.duration(now.timeIntervalSince(started)),
        ]
        do {
            let events = try await store.recentEvents(limit: limit, since: nil)
            var types = Dictionary(events.map { ($0.event.id, $0.event.type.rawValue) }, uniquingKeysWith: { first, _ in first })
            context["events"] = try await events.asyncMap { stored -> [String: Any] in
                let steps = try await store.steps(eventID: stored.event.id)
                return [
                    "time": InspectFormat.time(stored.storedAt), "type": stored.event.type.rawValue,
                    "subject": stored.event.subject.map { "\($0.kind) \($0.uid)" } ?? "",
                    "from": InspectFormat.from(stored.event), "status": stored.status.rawValue,
                    "depth": stored.event.chainDepth, "actions": steps.count, "id": stored.event.id,
                ]
            }
            // Read apart from the events shown: under a backlog the newest events have not run yet, and
            // the actions taken are on older ones.
            let steps = try await store.recentSteps(limit: limit)
            for id in Set(steps.map(\.eventID)) where types[id] == nil {
                types[id] = try await store.event(id: id)?.event.type.rawValue
            }
            context["actions"] = steps.sorted { $0.updatedAt > $1.updatedAt }.map { Self.row($0, eventType: types[$0.eventID] ?? "") }
            let dead = try await store.deadLetters(limit: limit)
            // Counted apart from the rows shown: dead letters stay until retried or discarded, so there
            // can be many more than the table has room for.
            let deadCount = max(try await store.deadLetterCount(), dead.count)
            context["dead"] = dead.map { Self.row($0, eventType: "") }
            context["deadCount"] = deadCount
            context["hasDead"] = deadCount > 0
            if deadCount > dead.count {
                context["deadMore"] = "the newest \(dead.count) of \(deadCount); avala-bot dead-letters list --limit \(deadCount) shows them all"
            }
            context["queue"] = try await store.queueDepth()
            var health: [[String: Any]] = []
            for name in pollers {
                let snapshot = try await store.snapshot(PollerHealth.snapshotKey(poller: name))
                let since = snapshot?["failing_since"]?.stringValue.map(Self.shownTime)
                let failures = snapshot?["failures"]?.intValue ?? 0
                var state = since.map { "failing since \($0)" } ?? "ok"
                if since == nil, failures > 0 {
                    // Not failing yet (that takes `failing_after` cycles in a row), but not fine either.
                    let last = snapshot?["last_error"]?.stringValue.map { ": \($0)" } ?? ""
                    state = "retrying after \(failures) failed cycle\(failures == 1 ? "" : "s") in a row\(last)"
                }
                health.append(["name": name, "state": state, "failing": since != nil, "retrying": since == nil && failures > 0])
            }
            context["pollers"] = health
            let failing = health.filter { $0["failing"] as? Bool == true }.count
            context["failingCount"] = failing
            context["hasFailing"] = failing > 0
        } catch {
            context["storeError"] = "the store could not be read: \(error)"
        }
        return context
    }

    static func row(_ step: StepRecord, eventType: String) -> [String: Any] {
        let detail = step.detail ?? ""
        return [
            "time": InspectFormat.time(step.updatedAt), "rule": step.rule, "action": "\(step.plugin).\(step.action)",
            "status": step.status.rawValue, "attempts": step.attempts, "step": step.stepID,
            "detail": detail.count > 240 ? String(detail.prefix(240)) + "…" : detail, "event": eventType,
        ]
    }

    /// A stored timestamp as the page shows every other time: to the second. Text that does not parse is
    /// shown as it is.
    static func shownTime(_ text: String) -> String {
        let date =
            (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle(includingFractionalSeconds: false).parse(text))
        return date.map(InspectFormat.time) ?? text
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let total = Int(seconds)
        if total < 60 { return "\(total)s" }
        if total < 3_600 { return "\(total / 60)m\(total % 60)s" }
        if total < 86_400 { return "\(total / 3_600)h\(total % 3_600 / 60)m" }
        return "\(total / 86_400)d\(total % 86_400 / 3_600)h"
    }
}

extension Array {
    /// `map` with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        result.reserveCapacity(count)
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
