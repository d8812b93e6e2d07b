import AvalaAPI
import BotEngine
public import BotKit
public import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// The loop every poller runs: a cycle, then a wait, until graceful shutdown.
///
/// After a success the wait is the interval with jitter; after a failure it is exponential backoff, and
/// never shorter than a 429's `Retry-After`, up to ``PollSchedule/maxRetryAfter``. After ``PollSchedule/failingAfter`` consecutive failures the
/// loop raises `bot.poller.failing` once; the first success after that raises `bot.poller.recovered`.
/// The incident's start is kept in a snapshot, so a restart in the middle of an incident neither raises
/// `failing` again nor forgets to raise `recovered`.
public struct PollLoop<P: Poller>: Sendable {
    /// What a cycle ended with and how long to wait before the next.
    public struct Step: Sendable {
        public var cycle: PollCycle?
        public var error: (any Error)?
        public var delay: Duration
        /// The `bot.poller.*` event raised by this step, if any.
        public var raised: EventType?
    }

    public let poller: P
    /// Consecutive failed cycles.
    public private(set) var failures = 0
    /// When the current incident began (its first failure), once `failing` was raised.
    public private(set) var incidentStart: Date?
    private var firstFailureAt: Date?
    private var restored = false
    /// The health snapshot holds failures a previous process recorded (``recordFailures(_:)``): the first
    /// success clears them even though this process has counted none.
    private var failuresRecorded = false

    public init(poller: P) {
        self.poller = poller
    }

    var healthKey: String { poller.healthKey }
    private var logger: Logger { poller.context.logger }

    /// Runs cycles until graceful shutdown or cancellation.
    public mutating func run() async throws {
        logger.info("Poller started", metadata: ["poller.name": "\(poller.name)"])
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let delay: Duration
            if await poller.shouldPoll() {
                delay = await runCycle().delay
            } else {
                delay = poller.context.schedule.nextDelay()
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            } catch {
                break
            }
        }
        logger.info("Poller stopped", metadata: ["poller.name": "\(poller.name)"])
    }

    /// One cycle with its bookkeeping; never throws, so one bad cycle cannot end the service.
    public mutating func runCycle() async -> Step {
        await restoreIncident()
        let schedule = poller.context.schedule
        let poller = self.poller
        do {
            // A cycle stopped by shutdown commits nothing (snapshots and events are written together at
            // its end), so it is simply run again after the restart: no need to let retries hold SIGTERM up.
            // Every request the cycle sends counts, retries and those of a cycle that fails included.
            let calls = Counter(label: "avala_bot_poller_api_calls_total", dimensions: [("poller", poller.name)])
            let count: @Sendable () -> Void = { calls.increment() }
            let cycle = try await AvalaClient.$onRequest.withValue(count) {
                try await cancelWhenGracefulShutdown { try await poller.pollOnce() }
            }
            Counter(label: "avala_bot_poller_cycles_total", dimensions: [("poller", poller.name), ("result", "ok")]).increment()
            // Failures short of an incident were shown on /status: that is over now.
            if failuresRecorded, incidentStart == nil { await recordFailures(nil) }
            failures = 0
            firstFailureAt = nil
            Self.recordFailuresInARow(0, poller: poller.name)
            logger.debug(
                "Poll finished",
                metadata: [
                    "poller.name": "\(poller.name)", "api.calls": "\(cycle.apiCalls)", "events.raised": "\(cycle.raised)",
                    "events.stored": "\(cycle.stored)", "poll.baseline": "\(cycle.baseline)",
                ]
            )
            var raised: EventType?
            if let since = incidentStart {
                // Until the recovery is stored, the incident stays open: the next success tries again.
                if await raise(.botPollerRecovered, since: since, error: nil) {
                    incidentStart = nil
                    raised = .botPollerRecovered
                }
            }
            return Step(cycle: cycle, error: nil, delay: schedule.nextDelay(), raised: raised)
        } catch  where Task.isShuttingDownGracefully || Task.isCancelled {
            logger.debug("Poll cycle stopped by shutdown", metadata: ["poller.name": "\(poller.name)"])
            return Step(cycle: nil, error: nil, delay: .zero, raised: nil)
        } catch {
            Counter(label: "avala_bot_poller_cycles_total", dimensions: [("poller", poller.name), ("result", "error")]).increment()
            failures += 1
            Self.recordFailuresInARow(failures, poller: poller.name)
            let now = Date()
            if firstFailureAt == nil { firstFailureAt = now }
            var delay = schedule.backoff(failures: failures)
            if let avala = error as? AvalaError, avala.code == .rateLimited {
                delay = max(delay, retryAfterWait(avala.retryAfter ?? 1, schedule: schedule))
            }
            logger.warning(
                "Poll failed",
                metadata: [
                    "poller.name": "\(poller.name)", "poll.failures": "\(failures)", "error.message": "\(error)",
                    "retry.delay_ms": "\(Int(delay.seconds * 1000))",
                ]
            )
            var raised: EventType?
            if failures >= schedule.failingAfter, incidentStart == nil, let since = firstFailureAt {
                if await raise(.botPollerFailing, since: since, error: error) {
                    incidentStart = since
                    raised = .botPollerFailing
                }
            }
            if incidentStart == nil { await recordFailures(error) }
            return Step(cycle: nil, error: error, delay: delay, raised: raised)
        }
    }

    /// `avala_bot_poller_consecutive_failures`: what a poller is going through now, which the cycle
    /// counters show only as a rate (a poller failing since an hour and one that failed once an hour ago
    /// look alike there).
    private static func recordFailuresInARow(_ count: Int, poller: String) {
        Gauge(label: "avala_bot_poller_consecutive_failures", dimensions: [("poller", poller)]).record(count)
    }

    /// The pause a 429 asks for, cut to ``PollSchedule/maxRetryAfter``: a server asking for a day would
    /// otherwise silence the poller for a day without it ever counting as failing. Compared in seconds,
    /// because a `Duration` built from a huge value traps.
    private func retryAfterWait(_ seconds: Double, schedule: PollSchedule) -> Duration {
        let bound = schedule.maxRetryAfter
        guard seconds.isFinite, seconds <= bound.seconds else {
            logger.warning(
                "Retry-After is longer than a poller waits; waiting the longest allowed instead",
                metadata: [
                    "poller.name": "\(poller.name)", "retry.after_s": "\(seconds)",
                    "retry.delay_ms": "\(Int(bound.seconds * 1000))",
                ]
            )
            return bound
        }
        return .seconds(max(seconds, 0))
    }

    /// Stores a `bot.poller.*` event with the incident snapshot; false when the store failed.
    private func raise(_ type: EventType, since: Date, error: (any Error)?) async -> Bool {
        let sinceText = AvalaJSON.formatTimestamp(since)
        var body: [String: JSON] = ["poller": .string(poller.name), "since": .string(sinceText)]
        body["error"] = error.map { .string("\($0)") } ?? .null
        let event = Event(
            type: type,
            source: .bot,
            origin: poller.name,
            data: .object(body),
            keys: ["\(type.rawValue):\(poller.name):\(sinceText)"]
        )
        let health: JSON = type == .botPollerFailing ? ["failing_since": .string(sinceText)] : [:]
        do {
            _ = try await poller.context.commit([event], snapshots: [healthKey: health])
            if type == .botPollerFailing {
                logger.error("Poller is failing", metadata: ["poller.name": "\(poller.name)", "poll.since": "\(sinceText)"])
            } else {
                logger.info("Poller recovered", metadata: ["poller.name": "\(poller.name)", "poll.since": "\(sinceText)"])
            }
            return true
        } catch {
            logger.warning(
                "Could not store a poller health event",
                metadata: ["poller.name": "\(poller.name)", "event.type": "\(type)", "error.message": "\(error)"]
            )
            return false
        }
    }

    /// Keeps the failures in a row that are not an incident yet (fewer than `failing_after`) in the health
    /// snapshot, for the status page: `{failures, last_error}`, or nothing once a cycle succeeds. Not
    /// written while an incident is open, whose snapshot holds `failing_since`. A store that cannot write
    /// costs only this display.
    private mutating func recordFailures(_ error: (any Error)?) async {
        let failures = self.failures
        let health: JSON? = error.map { error in
            let text = "\(error)"
            return ["failures": .number(Double(failures)), "last_error": .string(text.count > 200 ? String(text.prefix(200)) + "…" : text)]
        }
        do {
            _ = try await poller.context.store.updateSnapshot(healthKey) { _ in health }
            failuresRecorded = health != nil
        } catch {
            logger.debug("Could not store poller health", metadata: ["poller.name": "\(poller.name)", "error.message": "\(error)"])
        }
    }

    /// Picks up an incident a previous process left open.
    private mutating func restoreIncident() async {
        guard !restored else { return }
        do {
            let health = try await poller.context.store.snapshot(healthKey)
            restored = true
            failuresRecorded = health?["failures"] != nil
            if let text = health?["failing_since"]?.stringValue, let since = AvalaJSON.parseTimestamp(text) {
                incidentStart = since
                firstFailureAt = since
            }
        } catch {
            // Not fatal: the next cycle tries again, and the worst case is a missed `recovered`.
            logger.debug("Could not read poller health", metadata: ["poller.name": "\(poller.name)", "error.message": "\(error)"])
        }
    }
}
