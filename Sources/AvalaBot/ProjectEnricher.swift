import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Logging
import Synchronization

/// Adds `project: {uid, name, status}` to an export event that names exactly one project, from the API,
/// cached for a few minutes. When the API does not answer, the event goes on without it.
///
/// Avala's export webhook body is `{uid, status, download_url, format, created_at}`: it names no project.
/// Such an export is first read from the API (`GET /exports/{uid}/`) for its `projects` and `datasets`,
/// which the event then carries too, so rules on `project.*` and plugins that re-export (`retry_failed`)
/// work from a webhook as they do from the poller.
final class ProjectEnricher: Enricher {
    private let client: AvalaClient
    private let logger: Logger
    private let ttl: TimeInterval
    private let cache = Mutex<[String: (project: JSON, fetched: Date)]>([:])
    /// An export's projects and datasets do not change: kept for as long as the process runs, up to a
    /// bound, so a retried action does not read its export again.
    private let exportTargets = Mutex<[String: (projects: JSON, datasets: JSON)]>([:])
    private static let maxCachedExports = 10_000

    init(client: AvalaClient, logger: Logger, ttl: TimeInterval = 300) {
        self.client = client
        self.logger = logger
        self.ttl = ttl
    }

    func enrich(_ event: Event) async -> Event {
        guard case .object(var data) = event.data, data["project"] == nil, case .object(var export)? = data["export"] else { return event }
        if export["projects"] == nil, export["datasets"] == nil, let uid = export["uid"]?.stringValue, !uid.isEmpty,
            let targets = await targets(ofExport: uid, event: event)
        {
            export["projects"] = targets.projects
            export["datasets"] = targets.datasets
            data["export"] = .object(export)
        }
        guard let projects = export["projects"]?.arrayValue, projects.count == 1, let uid = projects[0].stringValue else {
            var enriched = event
            enriched.data = .object(data)
            return enriched
        }
        let now = Date()
        if let cached = cache.withLock({ $0[uid] }), now.timeIntervalSince(cached.fetched) < ttl {
            data["project"] = cached.project
        } else {
            do {
                let project = try await client.project(uid: uid)
                let value: JSON = [
                    "uid": .string(project.uid), "name": .string(project.name),
                    "status": project.status.map { .string($0.rawValue) } ?? .null,
                ]
                cache.withLock { $0[uid] = (value, now) }
                data["project"] = value
            } catch {
                logger.warning(
                    "Could not fetch the export's project; rules see no project",
                    metadata: ["event.id": "\(event.id)", "project.uid": "\(uid)", "error": "\(error)"]
                )
                var enriched = event
                enriched.data = .object(data)
                return enriched
            }
        }
        var enriched = event
        enriched.data = .object(data)
        return enriched
    }

    /// The export's `projects` and `datasets` as the API lists them, or nil when it cannot be read.
    private func targets(ofExport uid: String, event: Event) async -> (projects: JSON, datasets: JSON)? {
        if let cached = exportTargets.withLock({ $0[uid] }) { return cached }
        do {
            let export = try await client.export(uid: uid)
            let targets: (projects: JSON, datasets: JSON) = (
                .array((export.projects ?? []).map(JSON.string)), .array((export.datasets ?? []).map(JSON.string))
            )
            exportTargets.withLock { cache in
                if cache.count >= Self.maxCachedExports { cache.removeAll() }
                cache[uid] = targets
            }
            return targets
        } catch {
            logger.warning(
                "Could not read the export for its projects; rules see no project",
                metadata: ["event.id": "\(event.id)", "export.uid": "\(uid)", "error": "\(error)"]
            )
            return nil
        }
    }
}
