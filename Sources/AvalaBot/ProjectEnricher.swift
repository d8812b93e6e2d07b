import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Logging
import Synchronization

/// Adds `project: {uid, name, status}` to an export event that names exactly one project, from the API,
/// cached for a few minutes. When the API does not answer, the event goes on without it.
final class ProjectEnricher: Enricher {
    private let client: AvalaClient
    private let logger: Logger
    private let ttl: TimeInterval
    private let cache = Mutex<[String: (project: JSON, fetched: Date)]>([:])

    init(client: AvalaClient, logger: Logger, ttl: TimeInterval = 300) {
        self.client = client
        self.logger = logger
        self.ttl = ttl
    }

    func enrich(_ event: Event) async -> Event {
        guard case .object(var data) = event.data, data["project"] == nil,
            let projects = data["export"]?["projects"]?.arrayValue, projects.count == 1,
            let uid = projects[0].stringValue
        else { return event }
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
                return event
            }
        }
        var enriched = event
        enriched.data = .object(data)
        return enriched
    }
}
