import BotKit

/// What one action exports: a project or a dataset, a format and a name, checked against the request
/// shape before anything is sent.
struct ExportTarget: Hashable, Sendable {
    var project: String?
    var dataset: String?
    var format: String?
    var name: String

    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    static func from(_ request: ActionRequest, shape: AvalaExportShape) -> Result<ExportTarget, Problem> {
        make(
            project: request.string("project"),
            dataset: request.string("dataset"),
            format: request.string("format"),
            name: request.string("name"),
            shape: shape
        )
    }

    static func make(project: String?, dataset: String?, format: String?, name: String?, shape: AvalaExportShape) -> Result<ExportTarget, Problem> {
        switch (project, dataset) {
        case (nil, nil): return .failure(Problem(description: "neither project nor dataset is set (or they rendered empty)"))
        case (.some, .some): return .failure(Problem(description: "set project or dataset, not both"))
        default: break
        }
        switch shape {
        case .sdk where format != nil:
            return .failure(
                Problem(description: "request_shape sdk cannot carry a format: remove format from the rule or use request_shape docs")
            )
        case .docs where format == nil, .project where format == nil:
            return .failure(Problem(description: "format is required with request_shape \(shape.rawValue)"))
        case .project where project == nil:
            return .failure(Problem(description: "request_shape project exports projects only; this action names a dataset"))
        default: break
        }
        let subject = project ?? dataset ?? ""
        let name = name ?? "avala-bot \(format ?? "export") \(subject)"
        return .success(ExportTarget(project: project, dataset: dataset, format: format, name: name))
    }

    var subject: String { project.map { "project \($0)" } ?? dataset.map { "dataset \($0)" } ?? "?" }
}
