import BotKit
import Foundation

/// `export.retry_failed`: on `export.failed`, start the same export again, up to `times` per original
/// export, waiting `backoff` (doubled each time, at most ``maxBackoff``) first. The count follows the
/// original through its re-exports, so a re-export that fails too does not reset it.
///
/// State: `retry-origin:<re-export uid>` names the original; `retries:<original uid>` lists the uids of
/// its re-exports (a number in state written before the list was kept), so that a run repeated after a
/// crash counts its re-export once. `retry-chains` notes when each original's last re-export was counted:
/// an original's entries are dropped ``chainRetention`` after that, so a year of failures leaves only the
/// last week's behind.
struct FailedExportRetry {
    /// The state key of the originals whose re-exports are counted, each with when its last one was.
    static let chainsKey = "retry-chains"
    /// How long an original's count outlives its last re-export. By then its chain has ended (a re-export
    /// completed, or failed with the retries used up, or the rule is gone): a re-export fails or completes
    /// well within a week, and the wait before the next one is at most a day. Kept rather than dropped at
    /// the last retry, so that a give-up run again after a crash still finds the count used up.
    static let chainRetention: TimeInterval = 7 * 86_400
    /// The longest wait before a re-export: doubling a minute 20 times would wait two years. A fixed day
    /// rather than `dispatcher.backoff.max`, which plugins do not see and which is about transient errors.
    static let maxBackoff: Duration = .seconds(86_400)
    /// ``maxBackoff`` as the config writes it, for messages.
    static let maxBackoffText = "24h"

    let shape: AvalaExportShape
    let request: ActionRequest

    func run(context: PluginContext, depth: Int) async throws -> ActionOutcome {
        guard let failed = request.event.data["export"], let uid = failed["uid"]?.stringValue else {
            return .failed("the event carries no export to retry (expected export.uid)")
        }
        let times = request.parameters["times"]?.intValue ?? 3
        let backoff: Duration
        do {
            backoff = try request.string("backoff").map { text throws(ConfigDurationError) in try ConfigDuration.parse(text) } ?? .seconds(60)
        } catch {
            // A template that renders a bad duration renders it the same way on every attempt.
            return .failed("backoff: \(error)")
        }
        if let problem = Self.backoffProblem(backoff, written: request.string("backoff") ?? "") {
            return .failed("backoff: \(problem)")
        }
        let follow = request.parameters["follow"]?.boolValue ?? true
        let origin = try await context.state.get("retry-origin:\(uid)")?.stringValue ?? uid
        let waitKey = "retry-wait:\(context.idempotencyKey)"
        // An earlier run of this action re-exported, and a crash kept its outcome from the journal: it is
        // this run's, counted once, whatever the count says now.
        let purpose = "re-export of \(uid)"
        if !context.dryRun, let earlier = try await ExportCreation.recorded(for: purpose, context: context) {
            let number = try await counted(earlier.uid, origin: origin, waitKey: waitKey, context: context)
            return .done("re-export \(number) of \(times) of \(origin): \(earlier.detail)")
        }
        let done = Self.reExports(try await context.state.get("retries:\(origin)")).count
        guard done < times else {
            return .skipped("export \(origin) was re-exported \(done) times already (times: \(times)); giving up")
        }
        // Wait before re-exporting (not counted as an attempt): the cause may be transient.
        let now = context.now()
        if !context.dryRun {
            // Attoseconds included: a backoff of 500ms is half a second, not none.
            let (whole, attoseconds) = backoff.components
            let cap = Double(Self.maxBackoff.components.seconds)
            let delay = min((Double(whole) + Double(attoseconds) / 1e18) * pow(2, Double(done)), cap)
            let due = try await context.state.update(waitKey) { current in
                current ?? .number(now.timeIntervalSince1970 + delay)
            }
            if let due = due?.numberValue, due > now.timeIntervalSince1970 {
                return .deferred(
                    until: Date(timeIntervalSince1970: due),
                    reason: "re-export \(done + 1) of \(times) of \(origin) waits for its backoff"
                )
            }
        }
        let source: FailedExportSource
        switch try await FailedExportSource.read(uid: uid, event: request.event, shape: shape, avala: context.avala) {
        case .failure(let problem): return try await givingUp("cannot re-export \(uid): \(problem.description)", waitKey: waitKey, context: context)
        case .success(let read): source = read
        }
        let target: ExportTarget
        switch ExportTarget.make(
            project: source.projects.first,
            dataset: source.projects.isEmpty ? source.datasets.first : nil,
            format: source.format,
            name: source.name.map { Self.name(retrying: $0, number: done + 1) },
            shape: shape
        ) {
        case .failure(let problem): return try await givingUp("cannot re-export \(uid): \(problem.description)", waitKey: waitKey, context: context)
        case .success(let made): target = made
        }
        // The failed export matches what the re-export asks for: it must never be taken for it.
        let creation = ExportCreation(target: target, shape: shape, depth: depth, follow: follow, trigger: uid, purpose: purpose)
        let (outcome, created) = try await creation.run(context: context)
        guard case .done(let detail) = outcome, let created else { return outcome }
        let number = try await counted(created, origin: origin, waitKey: waitKey, context: context)
        return .done("re-export \(number) of \(times) of \(origin): \(detail)")
    }

    /// Fails the action for good, letting go of its wait: nothing runs it again but a dead-letter retry,
    /// which may re-export at once.
    private func givingUp(_ reason: String, waitKey: String, context: PluginContext) async throws -> ActionOutcome {
        if !context.dryRun { try await context.state.remove(waitKey) }
        return .failed(reason)
    }

    /// Counts `created` as a re-export of `origin` (once, however often this runs) and returns its number.
    private func counted(_ created: String, origin: String, waitKey: String, context: PluginContext) async throws -> Int {
        try await context.state.set("retry-origin:\(created)", .string(origin))
        let list = try await context.state.update("retries:\(origin)") { current in
            var uids = Self.reExports(current)
            if !uids.contains(created) { uids.append(created) }
            return .array(uids.map(JSON.string))
        }
        try await context.state.remove(waitKey)
        try await noteChain(origin, context: context)
        let uids = Self.reExports(list)
        return (uids.firstIndex(of: created) ?? uids.count - 1) + 1
    }

    /// Notes that `origin` counted a re-export now, and drops the entries of every original whose last
    /// re-export is past ``chainRetention``.
    private func noteChain(_ origin: String, context: PluginContext) async throws {
        let now = context.now().timeIntervalSince1970
        let chains = try await context.state.update(Self.chainsKey) { current in
            var chains = current?.objectValue ?? [:]
            chains[origin] = .number(now)
            return .object(chains)
        }
        let cutoff = now - Self.chainRetention
        let stale = (chains?.objectValue ?? [:]).filter { ($0.value.numberValue ?? 0) < cutoff }.map(\.key).sorted()
        for old in stale {
            for uid in Self.reExports(try await context.state.get("retries:\(old)")) where !uid.isEmpty {
                try await context.state.remove("retry-origin:\(uid)")
            }
            try await context.state.remove("retries:\(old)")
            // Only while still stale: a re-export counted meanwhile keeps its chain noted.
            try await context.state.update(Self.chainsKey) { current in
                guard var chains = current?.objectValue else { return current }
                if let at = chains[old]?.numberValue, at < cutoff { chains[old] = nil }
                return .object(chains)
            }
        }
    }

    /// What is wrong with a `backoff` of `backoff` (written as `written`): longer than ``maxBackoff``, it
    /// could never be waited as written.
    static func backoffProblem(_ backoff: Duration, written: String) -> String? {
        guard backoff > maxBackoff else { return nil }
        return "'\(written)' is longer than \(maxBackoffText), the longest wait before a re-export"
    }

    /// Avala takes export names of 1 to 255 characters.
    static let maxNameLength = 255

    /// The name of re-export `number` of an export named `name`: the original's name (a re-export's own
    /// `(retry N)` taken off, so that a chain of them is not named `x (retry 1) (retry 2)`) and
    /// `(retry N)`, cut to fit ``maxNameLength``: a name Avala refuses would dead-letter every re-export of
    /// an export whose name was long already.
    static func name(retrying name: String, number: Int) -> String {
        var base = Substring(name)
        if base.hasSuffix(")"), let open = base.range(of: " (retry ", options: .backwards) {
            let digits = base[open.upperBound..<base.index(before: base.endIndex)]
            if !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) { base = base[..<open.lowerBound] }
        }
        let suffix = " (retry \(number))"
        // Counted in code points, as Avala counts.
        let room = maxNameLength - suffix.unicodeScalars.count
        if base.unicodeScalars.count > room {
            base = Substring(String(String.UnicodeScalarView(base.unicodeScalars.prefix(room - 1)))) + "…"
        }
        return base + suffix
    }

    /// The re-exports counted against an original: its stored list of uids, or as many unnamed ones as a
    /// count stored before the list was kept says.
    static func reExports(_ value: JSON?) -> [String] {
        if let items = value?.arrayValue { return items.compactMap(\.stringValue) }
        return Array(repeating: "", count: max(value?.intValue ?? 0, 0))
    }
}
