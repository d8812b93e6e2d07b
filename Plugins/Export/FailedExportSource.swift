import BotKit

/// What a failed export asked for, so that `export.retry_failed` can ask for it again.
///
/// The event is read first. A webhook's flat body (`export_uid`, `project_uid`) names neither the
/// format nor the export's own projects, so whatever the event lacks is read from Avala; the project
/// the event names at its root is the last resort for the project.
///
/// Only an export of one project or one dataset can be asked for again: the re-export is one target, as
/// an `export` action's is. An export of several, or of slices, is refused with what it covered, rather
/// than re-exported as its first project or as a whole project, which would be reported done while
/// what the failed export was to deliver is still missing.
struct FailedExportSource: Equatable {
    var projects: [String]
    var datasets: [String]
    var slices: [String] = []
    var format: String?
    var name: String?

    static func read(uid: String, event: Event, shape: AvalaExportShape, avala: any AvalaActions) async throws -> Result<Self, Problem> {
        let failed = event.data["export"]
        var source = FailedExportSource(
            projects: failed?["projects"]?.arrayValue?.compactMap(\.stringValue).filter { !$0.isEmpty } ?? [],
            datasets: failed?["datasets"]?.arrayValue?.compactMap(\.stringValue).filter { !$0.isEmpty } ?? [],
            slices: failed?["slices"]?.arrayValue?.compactMap(\.stringValue).filter { !$0.isEmpty } ?? [],
            format: shape == .sdk ? nil : failed?["format"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            name: failed?["name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        )
        if !source.isComplete(shape: shape) {
            let export = try await avala.export(uid: uid)
            if source.projects.isEmpty && source.datasets.isEmpty {
                source.projects = export.projects.filter { !$0.isEmpty }
                source.datasets = export.datasets.filter { !$0.isEmpty }
            }
            if source.slices.isEmpty { source.slices = export.slices.filter { !$0.isEmpty } }
            if shape != .sdk, source.format == nil, let format = export.format, !format.isEmpty { source.format = format }
        }
        if !source.slices.isEmpty {
            return .failure(
                Problem(
                    "it exported \(Self.list(source.slices, "slice")); export.retry_failed re-exports a whole project or dataset only, so start this one again by hand"
                )
            )
        }
        if source.projects.count + source.datasets.count > 1 {
            let covered = [Self.list(source.projects, "project"), Self.list(source.datasets, "dataset")].filter { !$0.isEmpty }
            return .failure(
                Problem(
                    "it exported \(covered.joined(separator: " and ")); export.retry_failed re-exports one project or dataset, so start this one again by hand"
                )
            )
        }
        if source.projects.isEmpty && source.datasets.isEmpty, let project = event.data["project"]?["uid"]?.stringValue, !project.isEmpty {
            source.projects = [project]
        }
        if source.projects.isEmpty && source.datasets.isEmpty {
            return .failure(Problem("neither the event nor Avala names the project or dataset it exported"))
        }
        if !source.isComplete(shape: shape) {
            return .failure(Problem("neither the event nor Avala names the format it exported"))
        }
        return .success(source)
    }

    /// `2 projects (p-1, p-2)`, `slice s-1`, or empty for none; at most five uids named.
    private static func list(_ uids: [String], _ noun: String) -> String {
        guard !uids.isEmpty else { return "" }
        let named = uids.prefix(5).joined(separator: ", ") + (uids.count > 5 ? ", …" : "")
        return uids.count == 1 ? "\(noun) \(named)" : "\(uids.count) \(noun)s (\(named))"
    }

    private func isComplete(shape: AvalaExportShape) -> Bool {
        (!projects.isEmpty || !datasets.isEmpty) && (shape == .sdk || format != nil)
    }

    /// Why the failed export cannot be asked for again.
    struct Problem: Error, Equatable, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
