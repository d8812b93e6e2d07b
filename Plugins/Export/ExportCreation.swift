import BotKit
import Foundation
import Logging

/// Creates one export for one action, effectively once.
///
/// Before the POST, the intent (when, what) is saved in the plugin's state under the action's
/// idempotency key. If a later run of the same action finds that intent — after a crash between the call
/// and the journal, or after a lost answer that was retried — it first looks for an export of the same
/// subject and format created around the time of the intent and adopts it instead of creating a second.
///
/// Only around that time: the intent may be found a day later (a dead-letter retry), when newer exports
/// of the same project and format are other rules' or people's, not this action's. And an answer that
/// proves nothing was created (Avala refused the request) clears the intent, so the next run creates.
struct ExportCreation {
    let target: ExportTarget
    let shape: AvalaExportShape
    let depth: Int
    let follow: Bool
    /// Clocks differ between the bot and Avala: look back a little before the intent.
    var slack: TimeInterval = 60
    /// How long after the intent the export it led to may have been created: the clock difference, plus
    /// a slow request that Avala finished after the bot had given up on it.
    var window: TimeInterval = 300

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
        let export: AvalaExport
        do {
            export = try await context.avala.createExport(
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
        } catch let error as ActionError where error.isPermanent {
            // Refused: nothing was created, so there is nothing for a later run to adopt. Any other
            // failure (a timeout, a lost connection, a 5xx) leaves the outcome unknown and keeps the intent.
            try await context.state.remove(intentKey)
            throw error
        }
        try await context.state.remove(intentKey)
        context.logger.info("Export started", metadata: ["export.uid": "\(export.uid)", "export.depth": "\(depth)"])
        let detail =
            "started export \(export.uid) of \(target.subject) as \(export.format ?? target.format ?? "?") (chain depth \(depth)\(follow ? ", followed" : ""))"
        return (.done(detail), export.uid)
    }

    /// The export of this target created closest to the intent, within `slack` before it and `window`
    /// after it; one without a creation time cannot be placed and is never adopted.
    private func adoptable(since seconds: Double?, context: PluginContext) async throws -> AvalaExport? {
        guard let seconds else { return nil }
        let intent = Date(timeIntervalSince1970: seconds)
        let earliest = intent.addingTimeInterval(-slack)
        let latest = intent.addingTimeInterval(window)
        let candidates = try await context.avala.exports(createdSince: earliest).compactMap { export -> (AvalaExport, TimeInterval)? in
            guard target.matches(export), let created = export.createdAt, created >= earliest, created <= latest else { return nil }
            return (export, abs(created.timeIntervalSince(intent)))
        }
        return candidates.min { $0.1 < $1.1 }?.0
    }
}
