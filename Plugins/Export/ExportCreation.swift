import BotKit
import Foundation
import Logging

/// Creates one export for one action, effectively once, and keeps its chain depth through a crash.
///
/// Before the POST, the intent (when, what) is saved in the plugin's state under the action's
/// idempotency key. If a later run of the same action finds that intent — after a crash between the call
/// and the journal, or after a lost answer that was retried — it first looks for an export of the same
/// subject and format created around the time of the intent and adopts it instead of creating a second.
///
/// Only around that time: the intent may be found a day later (a dead-letter retry), when newer exports
/// of the same project and format are other rules' or people's, not this action's. And an answer that
/// proves nothing was created (Avala refused the request) clears the intent, so the next run creates.
///
/// The same intent, with the depth, is also recorded as a chain intent through ``AvalaActions``: the
/// export's own events can arrive before this action runs again (a webhook, the poller, while the action
/// waits out its backoff or lies dead-lettered), and the dispatcher's enrichment gives them that depth
/// from it. It is removed once the export's uid is recorded or Avala refused the request.
///
/// What is never adopted: the export whose event started the action (`trigger`: a rule may export the
/// same project and format again, just after it), and an export the bot recorded as another action's.
/// And when there is nothing to adopt yet, an earlier request whose answer never came may still be on
/// its way (given up on after the API's request timeout, or cut off by a crash): the new attempt waits
/// until that one can no longer land before it sends another, or there would be two exports.
///
/// Once the export is created or adopted, the intent gives way to a record of it under ``createdKey``:
/// the dispatcher journals the outcome only after `perform` returns, and a crash in between runs the
/// action again, which must answer with that export rather than create a second. Only for what it asked
/// for (``purpose``): a reload may give the action's key to another action of its rule.
struct ExportCreation {
    /// The plugin state key holding, by idempotency key, the export each recent action created or
    /// adopted, what the action asked for and its outcome: `{"<key>": {"uid", "purpose", "detail", "at"}}`.
    static let createdKey = "created"
    /// A run after a crash comes at the next start: records older than this, and beyond the newest
    /// ``maxCreated``, are dropped, so the state stays small however many exports the bot starts.
    static let createdRetention: TimeInterval = 7 * 86_400
    static let maxCreated = 500

    let target: ExportTarget
    let shape: AvalaExportShape
    let depth: Int
    let follow: Bool
    /// The uid of the export whose event started the action, if it was one.
    var trigger: String?
    /// What the action asks for (``purpose(of:)``, or a re-export of a failed export): the record of
    /// its export answers a later run of the same key only while that asks for the same.
    var purpose: String

    /// The purpose of an `export` action that exports `target`.
    static func purpose(of target: ExportTarget) -> String {
        "export \(target.subject) as \(target.format ?? "the default format")"
    }

    /// The outcome, and the uid of the export created or adopted.
    func run(context: PluginContext) async throws -> (outcome: ActionOutcome, export: String?) {
        let intentKey = "intent:\(context.idempotencyKey)"
        if context.dryRun {
            return (.done("would export \(target.subject) as \(target.format ?? "the default format") (chain depth \(depth))"), nil)
        }
        if let earlier = try await Self.recorded(for: purpose, context: context) { return (.done(earlier.detail), earlier.uid) }
        if let seconds = try await context.state.get(intentKey)?["at"]?.numberValue {
            let earlier = Date(timeIntervalSince1970: seconds)
            if let adopted = try await adoptable(for: chainIntent(at: earlier, context: context), context: context) {
                try await context.avala.recordChain(exportUID: adopted.uid, depth: depth, follow: follow, owner: context.idempotencyKey)
                let detail = "adopted export \(adopted.uid) of \(target.subject), created by an earlier attempt (chain depth \(depth))"
                try await record(adopted.uid, detail: detail, context: context)
                try await context.avala.removeChainIntent(id: context.idempotencyKey)
                try await context.state.remove(intentKey)
                context.logger.notice("Adopted an export an earlier attempt created", metadata: ["export.uid": "\(adopted.uid)"])
                return (.done(detail), adopted.uid)
            }
            // A wait chosen, not a failure: it counts no attempt, whatever the dispatcher's backoff.
            if let settled = try await UnansweredRequest.settled(intentKey, context: context), context.now() < settled {
                return (
                    .deferred(
                        until: settled,
                        reason:
                            "an earlier request for this export got no answer and may still create it; looking for it again at \(Event.timestamp(settled))"
                    ),
                    nil
                )
            }
        }
        let intent = chainIntent(at: context.now(), context: context)
        try await UnansweredRequest.begin(intentKey, context: context)
        try await context.avala.recordChainIntent(intent)
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
                    follow: follow,
                    owner: context.idempotencyKey
                )
            )
        } catch let error as ActionError where error.isPermanent {
            // Refused: nothing was created, so there is nothing for a later run to adopt and no export
            // whose events need the depth. Any other failure (a timeout, a lost connection, a 5xx) leaves
            // the outcome unknown and keeps both intents.
            try await context.avala.removeChainIntent(id: context.idempotencyKey)
            try await context.state.remove(intentKey)
            throw error
        } catch {
            try? await UnansweredRequest.unanswered(intentKey, context: context)
            throw error
        }
        let detail =
            "started export \(export.uid) of \(target.subject) as \(export.format ?? target.format ?? "?") (chain depth \(depth)\(follow ? ", followed" : ""))"
        // Recorded before the intent goes: a crash in between leaves one or the other to find the export by.
        try await record(export.uid, detail: detail, context: context)
        // `createExport` recorded the uid's depth: the chain intent has done its part.
        try await context.avala.removeChainIntent(id: context.idempotencyKey)
        try await context.state.remove(intentKey)
        context.logger.info("Export started", metadata: ["export.uid": "\(export.uid)", "export.depth": "\(depth)"])
        return (.done(detail), export.uid)
    }

    /// The export an earlier run of this action created or adopted for `purpose`, and what that run said
    /// of it; nil when none did (or so long ago that the record is gone).
    static func recorded(for purpose: String, context: PluginContext) async throws -> (uid: String, detail: String)? {
        guard let entry = try await context.state.get(createdKey)?[context.idempotencyKey], let uid = entry["uid"]?.stringValue,
            entry["purpose"]?.stringValue == purpose
        else {
            return nil
        }
        return (uid, entry["detail"]?.stringValue ?? "started export \(uid)")
    }

    /// Records `uid` as this action's export, and drops records past ``createdRetention`` or beyond the
    /// newest ``maxCreated``.
    private func record(_ uid: String, detail: String, context: PluginContext) async throws {
        let key = context.idempotencyKey
        let now = context.now().timeIntervalSince1970
        let (retention, limit, purpose) = (Self.createdRetention, Self.maxCreated, purpose)
        try await context.state.update(Self.createdKey) { current in
            var entries = current?.objectValue ?? [:]
            entries[key] = ["uid": .string(uid), "purpose": .string(purpose), "detail": .string(detail), "at": .number(now)]
            let newest = entries.map { (key: $0.key, value: $0.value, at: $0.value["at"]?.numberValue ?? 0) }
                .filter { $0.at > now - retention }
                .sorted { ($0.at, $0.key) > ($1.at, $1.key) }
                .prefix(limit)
            return .object(Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) }))
        }
    }

    /// This action's intent to export its target at `time`.
    private func chainIntent(at time: Date, context: PluginContext) -> ExportChainIntent {
        ExportChainIntent(
            id: context.idempotencyKey,
            project: target.project,
            dataset: target.dataset,
            format: target.format,
            depth: depth,
            at: time,
            trigger: trigger
        )
    }

    /// The export the intent covers (its target, created within its window, not the trigger) that was
    /// created closest to it, that no other action owns and that no other pending intent was made closer
    /// to; one without a creation time cannot be placed and is never adopted.
    private func adoptable(for intent: ExportChainIntent, context: PluginContext) async throws -> AvalaExport? {
        let candidates = try await context.avala.exports(createdSince: intent.earliest).compactMap { export -> (AvalaExport, TimeInterval)? in
            guard intent.covers(export), let created = export.createdAt else { return nil }
            return (export, abs(created.timeIntervalSince(intent.at)))
        }
        // Another action whose outcome is not known yet may be about to record one of them as its own (its
        // answer still on the way): an export is left to the intent created closest to it.
        let rivals = candidates.isEmpty ? [] : try await context.avala.pendingChainIntents().filter { $0.id != intent.id }
        for (export, distance) in candidates.sorted(by: { $0.1 < $1.1 }) {
            let created = export.createdAt ?? intent.at
            let closer = rivals.contains { rival in
                guard rival.covers(export) else { return false }
                let theirs = abs(created.timeIntervalSince(rival.at))
                return theirs < distance || (theirs == distance && rival.id < intent.id)
            }
            if closer { continue }
            switch try await context.avala.exportOwner(uid: export.uid) {
            case .unrecorded: return export
            case .action(let owner) where owner == context.idempotencyKey: return export
            case .action, .unknown: continue
            }
        }
        return nil
    }
}
