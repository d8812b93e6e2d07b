/// How to ask Avala for an export: the sources document three request shapes.
public enum ExportRequest: Hashable, Sendable {
    /// The SDK's `POST /exports/ {project}`; it cannot choose a format.
    case sdkProject(String)
    /// The SDK's `POST /exports/ {dataset}`.
    case sdkDataset(String)
    /// The documented `POST /exports/ {name, format, projects, datasets, slices}`.
    case documented(
        name: String,
        format: String,
        projects: [String] = [],
        datasets: [String] = [],
        slices: [String] = [],
        filterQueryString: String? = nil
    )
    /// `POST /projects/{uid}/exports/ {format}`.
    case projectScoped(project: String, format: String)
}
