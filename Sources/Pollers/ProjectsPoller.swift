import AvalaAPI
import BotEngine
import BotKit
public import Foundation
import Logging

/// Watches projects: `project.status_changed` and `project.completed` from the status per uid, and where
/// `/projects/{uid}/metrics/` exists, `project.progress` and `project.quality_dropped`.
///
/// Metrics cost one call per project, so they are read for a project whose `updated_at` moved since the
/// last cycle, and otherwise only now and then: the API does not say that annotation progress moves a
/// project's `updated_at`, so an `active` project's metrics are read again once they are
/// `metricsRefreshEvery` cycles old, the oldest first and at most `metricsRefreshPerCycle` of them a
/// cycle, which bounds what this costs of the shared request budget.
///
/// The first cycle reads them for every project, quietly, as it records statuses: a threshold crossed (or an acceptance rate already low) before the bot started is not news, and left
/// unread it would fire at some arbitrary later change. A project first listed in a later cycle (one the
/// first listing did not reach, or one added since) is read as quietly: what it showed before the bot
/// saw it is no more news. A project whose metrics that first read could not get stays quiet on its
/// first successful read too. A 404 on metrics turns the metrics check off for that project, with one warning: the
/// endpoint is documented by one source only and may not exist. Any other metrics failure but a rate
/// limit skips that project's metrics (one warning until they are read again) and asks again after
/// 1 minute, then 2, 4 … up to an hour; status events are raised all the same.
///
/// A project listed without `status` has an unknown one: no event, and the status remembered stays.
/// A project missing from a whole listing (one the page cap or the server did not cut short) is
/// forgotten; when that listing took more than one page, only once the next whole listing misses it
/// too, since a change while the pages are read can shift a project between two pages unread.
///
/// Snapshot `projects`: `{cycle, projects: {uid: {status, updated_at, missing, metrics_cycle (when last
/// read), progress: [threshold], quality_low, metrics,
/// metrics_failed (failures in a row), metrics_retry_at (Unix seconds), quiet_thresholds and quiet_quality
/// (what the next read records without raising: all, after a first cycle that could not read them, or
/// what was added to the config since)}}, thresholds, min_acceptance_rate}` (the config's, as of the
/// last cycle).
public struct ProjectsPoller: Poller {
    public let context: PollerContext
    /// Completion percentages (0–100) that raise `project.progress` when crossed.
    public let progressThresholds: [Double]
    /// `acceptance_rate` (0–1) below which `project.quality_dropped` is raised.
    public let minAcceptanceRate: Double?
    public let pageSize: Int
    /// Cycles after which an active project's metrics are read again though its `updated_at` did not move.
    public let metricsRefreshEvery: Int
    /// The most metrics read again that way in one cycle.
    public let metricsRefreshPerCycle: Int
    /// The clock for when to ask again for metrics that failed; tests move it.
    let now: @Sendable () -> Date
    public var name: String { "projects" }

    static let snapshotKey = "projects"

    public init(
        context: PollerContext,
        progressThresholds: [Double] = [],
        minAcceptanceRate: Double? = nil,
        pageSize: Int = 100,
        metricsRefreshEvery: Int = 5,
        metricsRefreshPerCycle: Int = 10,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.now = now
        self.metricsRefreshEvery = max(metricsRefreshEvery, 1)
        self.metricsRefreshPerCycle = max(metricsRefreshPerCycle, 0)
        self.context = context
        self.progressThresholds = progressThresholds.sorted()
        self.minAcceptanceRate = minAcceptanceRate
        self.pageSize = pageSize
    }

    var watchesMetrics: Bool { !progressThresholds.isEmpty || minAcceptanceRate != nil }

    public func pollOnce() async throws -> PollCycle {
        let previous = try await context.store.snapshot(Self.snapshotKey)
        let isBaseline = previous == nil
        let listing = try await context.read(context.client.projects(pageSize: pageSize), poller: name)
        var cycle = PollCycle(apiCalls: listing.calls, baseline: isBaseline, truncated: listing.truncated)

        let cycleNumber = (previous?["cycle"]?.intValue ?? -1) + 1
        // Projects not listed this cycle keep their entry, unless the listing was whole (below).
        var entries = previous?["projects"]?.objectValue ?? [:]
        let refresh = metricsToRefresh(listing.items, entries: entries, cycle: cycleNumber)
        // A threshold (or a minimum acceptance rate) added to the config since the last cycle is new to
        // every project: what it would have caught before it existed is recorded at each project's next
        // metrics read, not raised. A snapshot from before these were kept counts as knowing them all.
        if let previous, previous["thresholds"] != nil {
            let known = Set(previous["thresholds"]?.arrayValue?.compactMap(\.numberValue) ?? [])
            let added = Set(progressThresholds).subtracting(known)
            let rateAdded = minAcceptanceRate != nil && previous["min_acceptance_rate"]?.numberValue != minAcceptanceRate
            if !added.isEmpty || rateAdded {
                for (uid, value) in entries {
                    guard var entry = value.objectValue else { continue }
                    if !added.isEmpty {
                        let quiet = Set(entry["quiet_thresholds"]?.arrayValue?.compactMap(\.numberValue) ?? []).union(added)
                        entry["quiet_thresholds"] = .array(quiet.sorted().map(JSON.number))
                    }
                    if rateAdded { entry["quiet_quality"] = true }
                    entries[uid] = .object(entry)
                }
            }
        }
        var events: [Event] = []
        for project in listing.items {
            let before = entries[project.uid]?.objectValue
            // Nothing of this project was known before this cycle: its metrics are recorded, not raised.
            let firstSight = isBaseline || before == nil
            var entry = before ?? [:]
            entry["missing"] = nil
            let updatedAt = ResourceJSON.timestamp(project.updatedAt)
            // Without a status the project's is unknown, not "": the one remembered stays.
            if let status = project.status?.rawValue { entry["status"] = .string(status) }
            entry["updated_at"] = .string(updatedAt)
            defer { entries[project.uid] = .object(entry) }

            var body: JSON?
            func projectBody() throws -> JSON {
                if let body { return body }
                let encoded = try ResourceJSON.encode(project)
                body = encoded
                return encoded
            }
            // The first cycle knows no status before: it raises nothing here. An empty one was written
            // for a project listed without status before this was unknown; it is no status either.
            if let status = project.status?.rawValue, let from = before?["status"]?.stringValue, !from.isEmpty, from != status {
                // A project without `updated_at` would give every later identical transition the same
                // key (the second pause would be a duplicate of the first): the time the bot saw it
                // stands in. The snapshot commits with the event, so one change is seen once.
                let changedAt = updatedAt.isEmpty ? "seen-" + AvalaJSON.formatTimestamp(Date()) : updatedAt
                events.append(
                    event(
                        .projectStatusChanged,
                        project.uid,
                        ["project": try projectBody(), "from": .string(from), "to": .string(status)],
                        key: "project.status_changed:\(project.uid):\(status):\(changedAt)"
                    )
                )
                if project.status == .completed {
                    events.append(
                        event(
                            .projectCompleted,
                            project.uid,
                            ["project": try projectBody(), "from": .string(from)],
                            key: "project.completed:\(project.uid):\(changedAt)"
                        )
                    )
                }
            }
            let moved = before?["updated_at"]?.stringValue != updatedAt
            let failures = entry["metrics_failed"]?.intValue ?? (entry["metrics_failed"]?.boolValue == true ? 1 : 0)
            let failedBefore = failures > 0
            guard watchesMetrics, moved || failedBefore || refresh.contains(project.uid), entry["metrics"]?.boolValue != false else {
                continue
            }
            // After a failure, asked again later and later (1, 2, 4 … 60 minutes): a key without access to
            // metrics must not spend the shared request budget on every project every cycle.
            if failedBefore, let retryAt = entry["metrics_retry_at"]?.numberValue, now().timeIntervalSince1970 < retryAt { continue }
            cycle.apiCalls += 1
            entry["metrics_cycle"] = .number(Double(cycleNumber))
            let answer: ProjectMetrics?
            do {
                answer = try await context.client.projectMetrics(uid: project.uid)
            } catch let error as AvalaError where error.code != .rateLimited {
                // The endpoint is optional and per project: one project's failure (403, 5xx, a body that
                // does not decode) must not hold back every project's status events. It is asked again
                // next cycle; a rate limit still fails the cycle, so the loop waits as the API asked.
                let wait = min(3_600, 60 * pow(2, Double(min(failures, 6))))
                if !failedBefore {
                    context.logger.warning(
                        "Project metrics could not be read; its progress and quality checks wait until they can",
                        metadata: ["poller.name": "\(name)", "project.uid": "\(project.uid)", "error.message": "\(error)"]
                    )
                }
                entry["metrics_failed"] = .number(Double(failures + 1))
                entry["metrics_retry_at"] = .number(now().timeIntervalSince1970 + wait)
                // Its first read to come finds what was there before the bot, as this one would have.
                if firstSight {
                    entry["quiet_thresholds"] = .array(progressThresholds.map(JSON.number))
                    entry["quiet_quality"] = true
                }
                continue
            }
            entry["metrics_failed"] = nil
            entry["metrics_retry_at"] = nil
            // What the first read finds was there before the bot (or before its threshold was configured):
            // recorded, not raised.
            let quietThresholds = Set(entry["quiet_thresholds"]?.arrayValue?.compactMap(\.numberValue) ?? [])
            let quietQuality = firstSight || entry["quiet_quality"]?.boolValue == true
            entry["quiet_thresholds"] = nil
            entry["quiet_quality"] = nil
            guard let metrics = answer else {
                entry["metrics"] = false
                context.logger.warning(
                    "Project has no metrics; progress and quality checks are off for it",
                    metadata: ["poller.name": "\(name)", "project.uid": "\(project.uid)"]
                )
                continue
            }
            entry["metrics"] = true
            let metricsBody = try ResourceJSON.encode(metrics)
            var crossed = Set(entry["progress"]?.arrayValue?.compactMap(\.numberValue) ?? [])
            for threshold in progressThresholds where metrics.completionPercent >= threshold && !crossed.contains(threshold) {
                crossed.insert(threshold)
                if firstSight || quietThresholds.contains(threshold) { continue }
                events.append(
                    event(
                        .projectProgress,
                        project.uid,
                        ["project": try projectBody(), "metrics": metricsBody, "threshold": .number(threshold)],
                        key: "project.progress:\(project.uid):\(EventNormalizer.thresholdText(threshold))"
                    )
                )
            }
            entry["progress"] = .array(crossed.sorted().map(JSON.number))
            if let minimum = minAcceptanceRate, let rate = metrics.acceptanceRate {
                let low = rate < minimum
                if low, !quietQuality, entry["quality_low"]?.boolValue != true {
                    events.append(
                        event(
                            .projectQualityDropped,
                            project.uid,
                            ["project": try projectBody(), "metrics": metricsBody, "threshold": .number(minimum)],
                            key: "project.quality_dropped:\(project.uid):\(updatedAt)"
                        )
                    )
                }
                entry["quality_low"] = .bool(low)
            }
        }
        if !listing.truncated { forgetMissing(from: &entries, listed: listing.items, pages: listing.calls) }
        cycle.raised = events.count
        var state: [String: JSON] = [
            "cycle": .number(Double(cycleNumber)), "projects": .object(entries), "thresholds": .array(progressThresholds.map(JSON.number)),
        ]
        if let minAcceptanceRate { state["min_acceptance_rate"] = .number(minAcceptanceRate) }
        cycle.stored = try await context.commit(events, snapshots: [Self.snapshotKey: .object(state)])
        return cycle
    }

    /// The projects whose metrics are read again this cycle though `updated_at` did not move: active,
    /// read before (not failing, not without metrics) at least `metricsRefreshEvery` cycles ago, the
    /// oldest read first, up to `metricsRefreshPerCycle`.
    private func metricsToRefresh(_ projects: [Project], entries: [String: JSON], cycle: Int) -> Set<String> {
        guard watchesMetrics else { return [] }
        var due: [(read: Int, uid: String)] = []
        for project in projects where project.status == .active {
            guard let entry = entries[project.uid]?.objectValue, entry["metrics"]?.boolValue == true,
                entry["metrics_failed"] == nil,
                // One whose `updated_at` moved is read anyway; it takes no place here.
                entry["updated_at"]?.stringValue == ResourceJSON.timestamp(project.updatedAt)
            else { continue }
            // An entry from before this was kept counts as read long ago.
            let read = entry["metrics_cycle"]?.intValue ?? -metricsRefreshEvery
            if cycle - read >= metricsRefreshEvery { due.append((read, project.uid)) }
        }
        return Set(due.sorted { ($0.read, $0.uid) < ($1.read, $1.uid) }.prefix(metricsRefreshPerCycle).map(\.uid))
    }

    /// After a whole listing: forgets the projects it did not list. A listing of several pages can miss
    /// a project a change shifted between two of them, so there it is only marked, and forgotten when
    /// the next whole listing misses it too.
    private func forgetMissing(from entries: inout [String: JSON], listed: [Project], pages: Int) {
        let uids = Set(listed.map(\.uid))
        for (uid, value) in entries where !uids.contains(uid) {
            guard pages > 1, var entry = value.objectValue, entry["missing"]?.boolValue != true else {
                entries[uid] = nil
                continue
            }
            entry["missing"] = true
            entries[uid] = .object(entry)
        }
    }

    private func event(_ type: EventType, _ uid: String, _ data: [String: JSON], key: String) -> Event {
        Event(type: type, source: .poller, origin: name, subject: .init(kind: "project", uid: uid), data: .object(data), keys: [key])
    }
}
