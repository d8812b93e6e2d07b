import BotKit

/// What a failed export asked for, so that `export.retry_failed` can ask for it again.
///
/// The event is read first. A webhook's flat body (`export_uid`, `project_uid`) names neither the
/// format nor the export's own projects, so whatever the event lacks is read from Avala; the project
/// the event names at its root is the last resort for the project.
struct FailedExportSource: Equatable {
    var projects: [String]
    var datasets: [String]
    var format: String?
    var name: String?

    static func read(uid: String, event: Event, shape: AvalaExportShape, avala: any AvalaActions) async throws -> Result<Self, Problem> {
        let failed = event.data["export"]
        var source = FailedExportSource(
            projects: failed?["projects"]?.arrayValue?.compactMap(\.stringValue).filter { !$0.isEmpty } ?? [],
            datasets: failed?["datasets"]?.arrayValue?.compactMap(\.stringValue).filter { !$0.isEmpty } ?? [],
            format: shape == .sdk ? nil : failed?["format"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            name: failed?["name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        )
        if !source.isComplete(shape: shape) {
            let export = try await avala.export(uid: uid)
            if source.projects.isEmpty && source.datasets.isEmpty {
                source.projects = export.projects.filter { !$0.isEmpty }
                source.datasets = export.datasets.filter { !$0.isEmpty }
            }
            if shape != .sdk, source.format == nil, let format = export.format, !format.isEmpty { source.format = format }
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

    private func isComplete(shape: AvalaExportShape) -> Bool {
        (!projects.isEmpty || !datasets.isEmpty) && (shape == .sdk || format != nil)
    }

    /// Why the failed export cannot be asked for again.
    struct Problem: Error, Equatable, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
