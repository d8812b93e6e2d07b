import AvalaAPI
import BotEngine
import BotKit
import Foundation

extension Event {
    /// The export this event is about, with what a chain intent is matched on (uid, projects, datasets,
    /// format, created_at), read from the body as the sources write it; nil when the event names no export.
    ///
    /// The exports poller's body is the API's export; Avala's webhook body is `{uid, status, download_url,
    /// format, created_at}`, whose projects and datasets ``ProjectEnricher`` reads from the API; an agent
    /// style payload (`export_uid`, `project_uid`) has its project lifted to `project.uid`, which stands
    /// in for `export.projects` when those are absent.
    var chainExport: AvalaExport? {
        guard let export = data["export"] else { return nil }
        // The same uid the recorded depth is looked up by.
        guard let uid = chainExportUID, !uid.isEmpty else { return nil }
        var projects = Self.uids(export["projects"])
        if projects.isEmpty, let project = data["project"]?["uid"]?.stringValue, !project.isEmpty { projects = [project] }
        return AvalaExport(
            uid: uid,
            status: export["status"]?.stringValue,
            format: export["format"]?.stringValue,
            projects: projects,
            datasets: Self.uids(export["datasets"]),
            createdAt: export["created_at"]?.stringValue.flatMap(AvalaJSON.parseTimestamp)
        )
    }

    private static func uids(_ json: JSON?) -> [String] {
        json?.arrayValue?.compactMap(\.stringValue).filter { !$0.isEmpty } ?? []
    }
}
