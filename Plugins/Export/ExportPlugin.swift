public import BotKit
import Foundation
import Logging

/// `export`: chained exports. Creates an export when a rule says so, records the chain depth its events
/// will carry, optionally has the exports watcher follow it, and never creates a second export for one
/// action after a crash or a lost answer.
///
/// ```yaml
/// rules:
///   - name: yolo-after-coco
///     on: export.completed
///     where: { "export.format": coco }
///     do:
///       - export: { project: "{{project.uid}}", format: yolo, follow: true }
/// ```
public struct ExportPlugin: BotPlugin {
    public static let name = "export"
    public static let actions = [
        ActionSpec(
            "create",
            main: true,
            parameters: [
                ParameterSpec("project", .string, summary: "Project uid to export (this or dataset)."),
                ParameterSpec("dataset", .string, summary: "Dataset uid to export (this or project)."),
                ParameterSpec("format", .string, summary: "Export format (coco, yolo, …); required unless request_shape is sdk."),
                ParameterSpec("name", .string, summary: "Export name; a template. Default: avala-bot <format> <project>."),
                ParameterSpec("follow", .bool, summary: "Have the exports watcher follow it until it is terminal."),
            ],
            summary: "Start an export; its completion continues the chain.",
            requiresOneOf: [["project", "dataset"]]
        ),
        ActionSpec(
            "retry_failed",
            parameters: [
                ParameterSpec("times", .int, summary: "How many re-exports of one failed export at most; default 3."),
                ParameterSpec(
                    "backoff",
                    .duration,
                    summary: "Wait before the first re-export, doubled each time up to 24h; at most 24h; default 1m."
                ),
                ParameterSpec("follow", .bool, summary: "Follow the re-export; default true."),
            ],
            summary:
                "Re-export the export of an export.failed event, with the same project, dataset and format (read from Avala when the event lacks them)."
        ),
    ]
    public static let configKeys = [
        ParameterSpec("max_chain_depth", .int, summary: "Events at this chain depth start no export; default 3."),
        ParameterSpec("request_shape", .string, choices: AvalaExportShape.allCases.map(\.rawValue), summary: "docs, sdk or project; default docs."),
    ]
    public static let avalaScopes: Set<AvalaScope> = [.readExports, .createExports]

    let maxChainDepth: Int
    let shape: AvalaExportShape

    public init(config: PluginConfig) throws {
        maxChainDepth = try config.int("max_chain_depth") ?? 3
        guard maxChainDepth >= 1 else { throw PluginConfigError(key: "max_chain_depth", "must be at least 1") }
        let shapeName = try config.string("request_shape") ?? AvalaExportShape.docs.rawValue
        guard let shape = AvalaExportShape(rawValue: shapeName) else {
            throw PluginConfigError(key: "request_shape", "'\(shapeName)' is not one of: docs, sdk, project")
        }
        self.shape = shape
    }

    public func perform(_ request: ActionRequest, context: PluginContext) async throws -> ActionOutcome {
        let depth = request.event.chainDepth
        // Checked before anything else: a rule that triggers itself stops here, whatever it asks.
        guard depth < maxChainDepth else {
            return .skipped("chain depth \(depth) reached plugins.export.max_chain_depth (\(maxChainDepth)); no export started")
        }
        switch request.action {
        case "create":
            let follow = request.parameters["follow"]?.boolValue ?? false
            switch ExportTarget.from(request, shape: shape) {
            case .failure(let problem): return .failed(problem.description)
            case .success(let target):
                let creation = ExportCreation(
                    target: target,
                    shape: shape,
                    depth: depth + 1,
                    follow: follow,
                    trigger: Self.trigger(of: request.event),
                    purpose: ExportCreation.purpose(of: target)
                )
                return try await creation.run(context: context).outcome
            }
        case "retry_failed":
            return try await FailedExportRetry(shape: shape, request: request).run(context: context, depth: depth + 1)
        default:
            return .failed("the export plugin has no action '\(request.action)'")
        }
    }

    /// A `times` below 1 would accept the rule and never re-export anything; a `backoff` past the cap
    /// on each wait could never be waited as written.
    public func literalParameterProblems(action: String, parameters: [String: JSON]) -> [ParameterProblem] {
        guard action == "retry_failed" else { return [] }
        var problems: [ParameterProblem] = []
        if let times = parameters["times"]?.intValue, times < 1 {
            problems.append(ParameterProblem("times", "must be at least 1 (it is \(times)); remove the action to stop re-exporting"))
        }
        // One that is not a duration is the loader's to report, as for any duration parameter.
        if let text = parameters["backoff"]?.stringValue, let backoff = try? ConfigDuration.parse(text), backoff > FailedExportRetry.maxBackoff {
            problems.append(
                ParameterProblem(
                    "backoff",
                    "must be at most \(FailedExportRetry.maxBackoffText) (it is \(text)): no wait before a re-export is longer"
                )
            )
        }
        return problems
    }

    /// The export an event is about, if it is about one: the action it starts must not take it for the
    /// export it creates.
    static func trigger(of event: Event) -> String? {
        if event.subject?.kind == "export", let uid = event.subject?.uid, !uid.isEmpty { return uid }
        return event.data["export"]?["uid"]?.stringValue
    }
}
