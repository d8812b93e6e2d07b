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
/// work from a webhook as they do from the poller. A flat body (`export_uid`, `project_uid`) names the
/// project's uid but neither its name nor the export's format: both are read the same way.
final class ProjectEnricher: Enricher {
    private let client: AvalaClient
    private let logger: Logger
    private let ttl: TimeInterval
    private let cache = Mutex<[String: (project: JSON, fetched: Date)]>([:])
    /// An export's projects, datasets and format do not change: kept for as long as the process runs, up to a
    /// bound, so a retried action does not read its export again.
    private let exportTargets = Mutex<[String: ExportTargets]>([:])
    private static let maxCachedExports = 10_000

    init(client: AvalaClient, logger: Logger, ttl: TimeInterval = 300) {
        self.client = client
        self.logger = logger
        self.ttl = ttl
    }

    /// The event with what the API could add; what it could not read because the API did not answer
    /// (a 5xx, a 429, no connection) is named as unavailable, so that rules reading it wait. What the
    /// API refused for good (an export it does not know) is not waited for.
    func enrichment(of event: Event) async -> Enrichment {
        guard case .object(var data) = event.data, case .object(var export)? = data["export"] else { return Enrichment(event: event) }
        // A flat body (`export_uid`, `project_uid`) carries the project's uid alone: its name is still read.
        let given = data["project"]?.objectValue
        guard given == nil || given?.keys.allSatisfy({ $0 == "uid" }) == true else { return Enrichment(event: event) }
        var unavailable: [String] = []
        let namesTargets = export["projects"] != nil || export["datasets"] != nil
        if !namesTargets || export["format"] == nil, let uid = export["uid"]?.stringValue, !uid.isEmpty {
            switch await targets(ofExport: uid, event: event) {
            case .read(let read):
                if !namesTargets {
                    export["projects"] = read.projects
                    export["datasets"] = read.datasets
                }
                if export["format"] == nil, let format = read.format { export["format"] = .string(format) }
                data["export"] = .object(export)
            case .unavailable:
                if !namesTargets {
                    // Without the export's list there is no project to read, unless the body named one.
                    unavailable += ["export.projects", "export.datasets"] + (given == nil ? ["project"] : [])
                }
                if export["format"] == nil { unavailable.append("export.format") }
            case .unknown: break
            }
        }
        var enriched = event
        enriched.data = .object(data)
        // The export's own list decides; a flat body's project stands in when the export could not be read.
        let uid: String?
        if let listed = export["projects"]?.arrayValue {
            uid = listed.count == 1 ? listed[0].stringValue : nil
        } else {
            uid = given?["uid"]?.stringValue
        }
        guard let uid, !uid.isEmpty else { return Enrichment(event: enriched, unavailable: unavailable) }
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
                    "Could not fetch the export's project",
                    metadata: ["event.id": "\(event.id)", "project.uid": "\(uid)", "error": "\(error)"]
                )
                if Self.isTransient(error) { unavailable += given == nil ? ["project"] : ["project.name", "project.status"] }
                return Enrichment(event: enriched, unavailable: unavailable)
            }
        }
        enriched.data = .object(data)
        return Enrichment(event: enriched, unavailable: unavailable)
    }

    /// Whether the API may answer later: an error it gave for good (no such export) is not waited for.
    private static func isTransient(_ error: any Error) -> Bool {
        (error as? AvalaError)?.isTransient ?? true
    }

    /// What an export asked for, as the API lists it.
    private struct ExportTargets {
        var projects: JSON
        var datasets: JSON
        var format: String?
    }

    /// What reading an export's targets gave.
    private enum TargetsRead {
        case read(ExportTargets)
        /// The API did not answer this time.
        case unavailable
        /// The API answered that it cannot give them (no such export).
        case unknown
    }

    /// The export's `projects`, `datasets` and `format` as the API lists them.
    private func targets(ofExport uid: String, event: Event) async -> TargetsRead {
        if let cached = exportTargets.withLock({ $0[uid] }) { return .read(cached) }
        do {
            let export = try await client.export(uid: uid)
            let targets = ExportTargets(
                projects: .array((export.projects ?? []).map(JSON.string)),
                datasets: .array((export.datasets ?? []).map(JSON.string)),
                format: export.format
            )
            exportTargets.withLock { cache in
                if cache.count >= Self.maxCachedExports { cache.removeAll() }
                cache[uid] = targets
            }
            return .read(targets)
        } catch {
            logger.warning(
                "Could not read the export for its projects and format",
                metadata: ["event.id": "\(event.id)", "export.uid": "\(uid)", "error": "\(error)"]
            )
            return Self.isTransient(error) ? .unavailable : .unknown
        }
    }
}
