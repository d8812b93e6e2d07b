import BotEngine
import BotKit
import Foundation
import Logging
import ServiceLifecycle

/// `plugins.invite.roster.every`: raises `bot.roster.due` once per period, so a rule on it runs
/// `invite.reconcile` through the dispatcher (journaled, retried, dead-lettered like any action). The
/// key names the period, so a restart within one does not reconcile twice.
struct RosterSchedule: Service {
    let store: any EventStore
    let wake: WakeSignal
    let organization: String
    let file: String
    let every: Duration
    let logger: Logger

    /// The schedule `plugins.invite.roster` asks for, or nil without `every`.
    static func from(plugins: ConfigNode?, store: any EventStore, wake: WakeSignal, logger: Logger) -> RosterSchedule? {
        guard let roster = plugins?["invite"]?["roster"], let everyText = roster["every"]?.text,
            let every = try? ConfigDuration.parse(everyText), every > .zero,
            let organization = roster["organization"]?.text, let file = roster["file"]?.text
        else { return nil }
        return RosterSchedule(store: store, wake: wake, organization: organization, file: file, every: every, logger: logger)
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let period = every.seconds
            let now = Date().timeIntervalSince1970
            let slot = (now / period).rounded(.down) * period
            do {
                _ = try await store.ingest(event(slot: slot))
                wake.wake()
            } catch {
                logger.warning("Could not store bot.roster.due", metadata: ["roster.organization": "\(organization)", "error": "\(error)"])
            }
            let next = slot + period - now
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(max(next, 0.05) * 1000))) }
            } catch {
                break
            }
        }
    }

    func event(slot: Double) -> Event {
        let start = Date(timeIntervalSince1970: slot)
        let startText = Event.timestamp(start)
        return Event(
            type: .botRosterDue,
            source: .bot,
            origin: "roster",
            time: start,
            subject: .init(kind: "roster", uid: organization),
            data: ["organization": .string(organization), "file": .string(file), "every": .string(ConfigDuration.format(every))],
            keys: ["\(EventType.botRosterDue.rawValue):\(organization):\(startText)"]
        )
    }
}
