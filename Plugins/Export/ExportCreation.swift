import BotKit
import Foundation
import Logging

/// Creates one export for one action, effectively once.
///
/// Before the POST, the intent (when, what) is saved in the plugin's state under the action's
/// idempotency key. If a later run of the same action finds that intent — after a crash between the call
/// and the journal, or after a lost answer that was retried — it first looks for an export of the same
/// subject and format created since then and adopts it instead of creating a second.
struct ExportCreation {
    let target: ExportTarget
    let shape: AvalaExportShape
    let depth: Int
    let follow: Bool
    /// Clocks differ between the bot and Avala: look back a little before the intent.
    var slack: TimeInterval = 60

    /// The outcome, and the uid of the export created or adopted.
    func run(context: PluginContext) async throws -> (outcome: ActionOutcome, export: String?) {
        let intentKey = "intent:\(context.idempotencyKey)"
        if context.dryRun {
            return (.done("would export \(target.subject) as \(target.format ?? "the default format") (chain depth \(depth))"), nil)
        }
        if let intent = try await context.state.get(intentKey) {
            if let adopted = try await adoptable(since: intent["at"]?.numberValue, context: context) {
                try await context.avala.recordChain(exportUID: adopted.uid, depth: depth, follow: follow)
                try await context.state.remove(intentKey)
                context.logger.notice("Adopted an export an earlier attempt created", metadata: ["export.uid": "\(adopted.uid)"])
                return (
                    .done("adopted export \(adopted.uid) of \(target.subject), created by an earlier attempt (chain depth \(depth))"), adopted.uid
                )
            }
        }
        try await context.state.set(intentKey, ["at": .number(context.now().timeIntervalSince1970)])
        let export = try await context.avala.createExport(
            AvalaExportRequest(
                shape: shape,
                name: target.name,
                format: target.format,
                projects: target.project.map { [$0] } ?? [],
                datasets: target.dataset.map { [$0] } ?? [],
                chainDepth: depth,
                follow: follow
            )
        )
        try await context.state.remove(intentKey)
        context.logger.info("Export started", metadata: ["export.uid": "\(export.uid)", "export.depth": "\(depth)"])
        let detail =
            "started export \(export.uid) of \(target.subject) as \(export.format ?? target.format ?? "?") (chain depth \(depth)\(follow ? ", followed" : ""))"
        return (.done(detail), export.uid)
    }

    private func adoptable(since seconds: Double?, context: PluginContext) async throws -> AvalaExport? {
        guard let seconds else { return nil }
        let since = Date(timeIntervalSince1970: seconds - slack)
        let candidates = try await context.avala.exports(createdSince: since)
        return candidates.filter { target.matches($0) }.max { ($0.createdAt ?? .distantPast) < ($1.createdAt ?? .distantPast) }
    }
}
