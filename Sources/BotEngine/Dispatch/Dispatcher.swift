import BotKit
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// Runs stored events through the rules to plugin actions: the heart of the bot, as a `Service`.
///
/// It claims due events from the store (which keeps per-subject order), plans each event's actions from
/// the rules, and runs them with bounded concurrency (globally and per plugin). Each action's intent is
/// journaled before the plugin acts and its outcome after, so after a crash a finished action is never
/// run again and an interrupted one is run with `resuming` set. Transient failures retry with
/// exponential backoff and full jitter; after `maxAttempts` the action is dead-lettered and a
/// `bot.action.dead_lettered` event is raised — except for failures while handling such an event, so
/// the bot cannot loop on itself. On graceful shutdown it stops claiming, lets in-flight work finish
/// within the grace period, then cancels what is left (its intents stay journaled for the next start).
public final class Dispatcher: Service, Sendable {
    /// The `# HELP` text of the metrics the dispatcher records (swift-metrics carries none; `/metrics` adds it).
    public static let metricsHelp = [
        "avala_bot_actions_total": "Action runs ended, by plugin and outcome (done, skipped, deferred, retry, dead)."
    ]

    let store: any EventStore
    /// The rules in force; a config reload replaces them.
    public let rules: RuleSetProvider
    /// The plugins; a config reload replaces them.
    public let host: PluginHost
    let enricher: any Enricher
    let configuration: DispatcherConfiguration
    let environment: DispatcherEnvironment
    let logger: Logger
    let policy: RetryPolicy
    let throttle: RuleThrottle
    /// Producers call `wake()` after storing an event.
    public let signal: WakeSignal
    let pluginLimits: PluginLimits
    /// Claimed events whose handling failed in the store: handed back as pending once it writes again.
    let stale: StaleRunningEvents
    /// When the process began to stop (``shutdownBegan()``), if it did before this service's own turn.
    private let shutdownStart = Shared<ContinuousClock.Instant?>(nil)
    /// The events whose handling the drain cancelled when the grace period ran out (see ``cutShort``).
    private let cancelledByDrain = Shared<[String]>([])

    public init(
        store: any EventStore,
        rules: RuleSetProvider,
        host: PluginHost,
        enricher: any Enricher = NoEnricher(),
        configuration: DispatcherConfiguration = .init(),
        environment: DispatcherEnvironment = .init(),
        signal: WakeSignal = WakeSignal(),
        logger: Logger
    ) {
        self.store = store
        self.rules = rules
        self.host = host
        self.enricher = enricher
        self.configuration = configuration
        self.environment = environment
        self.signal = signal
        self.logger = logger
        self.policy = RetryPolicy(
            maxAttempts: configuration.maxAttempts,
            base: configuration.backoffBase,
            max: configuration.backoffMax
        )
        self.throttle = RuleThrottle()
        self.pluginLimits = PluginLimits(default: configuration.concurrency, limits: configuration.perPlugin)
        self.stale = StaleRunningEvents(base: configuration.backoffBase, max: configuration.backoffMax)
    }

    /// Events no rule routes finished per claim, beside the routed ones: they cost one row update each.
    static let unroutedPerClaim = 512

    /// The process began to stop (SIGTERM): claim nothing more, and count the grace period from now.
    ///
    /// A service group stops its services one after another, the producers (listener, pollers) before
    /// the dispatcher, so that nothing arrives while it drains. Their own stopping takes time (a request
    /// still being read), which would be added to the grace period; told at the signal, the dispatcher
    /// drains meanwhile, and stopping as a whole takes about the grace period, not the sum.
    /// The ids of the events still being handled when `shutdownGrace` ran out on stopping, whose actions
    /// were cancelled: they stay `running` in the store and resume at the next start. Empty while running
    /// and after a drain that finished everything; `run` exits non-zero on them, so that a service manager
    /// does not record a clean stop.
    public var cutShort: [String] { cancelledByDrain.withLock { $0 } }

    public func shutdownBegan() {
        shutdownStart.withLock { start in
            if start == nil { start = .now }
        }
        signal.wake()
    }

    public func run() async throws {
        let released = try await store.releaseRunning()
        if released > 0 {
            logger.notice("Resuming events left running by a previous run", metadata: ["events.count": "\(released)"])
        }
        await restoreThrottleWindows()
        let stopping = Shared(false)
        // The ids of the events being handled: their count bounds the claims, the drain names them.
        let inFlight = Shared<Set<String>>([])
        let limit = max(1, configuration.concurrency)
        var claimFailures = RepeatedFailureLog()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while !stopping.withLock({ $0 }) && shutdownStart.withLock({ $0 }) == nil && !Task.isCancelled {
                    await releaseStaleEvents()
                    let free = limit - inFlight.withLock { $0.count }
                    guard free > 0 else {
                        // Every finishing event wakes the signal.
                        await signal.wait(timeout: .milliseconds(200))
                        continue
                    }
                    let claimed: ClaimedEvents
                    do {
                        // Events no rule routes are finished in the claim's own write, without being read
                        // back: most webhooks of a busy organization match no rule.
                        let rules = self.rules.current
                        claimed = try await store.claim(
                            limit: min(free, configuration.batchSize),
                            now: environment.now(),
                            finishingUnrouted: Self.unroutedPerClaim,
                            routes: { rules.routes($0) }
                        )
                    } catch {
                        claimFailures.failed("\(error)", at: environment.now()).log(error, as: Self.claimWording, to: logger)
                        await signal.wait(timeout: configuration.idlePoll)
                        continue
                    }
                    claimFailures.succeeded()?.log(as: Self.claimWording, to: logger)
                    let routed = claimed.routed
                    for stored in routed {
                        let id = stored.event.id
                        inFlight.withLock { _ = $0.insert(id) }
                        group.addTask {
                            await self.process(stored)
                            inFlight.withLock { _ = $0.remove(id) }
                            self.signal.wake()
                        }
                    }
                    if routed.isEmpty && claimed.finishedUnrouted == 0 { await signal.wait(timeout: configuration.idlePoll) }
                }
                await drain(group: &group, inFlight: inFlight, from: shutdownStart.withLock { $0 } ?? .now)
            }
            // Drained early (``shutdownBegan()``): a service that returns before its turn would stop the
            // group at once, cutting short the producers still stopping.
            if !stopping.withLock({ $0 }) { try? await gracefulShutdown() }
        } onGracefulShutdown: {
            stopping.withLock { $0 = true }
            self.signal.wake()
        }
    }

    /// Refills the throttle's windows from the journal, so that a restart lets no more through than the
    /// limits allow. A journal that cannot be read leaves them empty, as before there was a journal of
    /// them: throttles are a courtesy to receivers, not worth refusing to start over.
    func restoreThrottleWindows() async {
        let limits = rules.current.throttleLimits
        guard let longest = limits.values.map(\.per).max() else { return }
        let now = environment.now()
        do {
            let admissions = try await store.throttleAdmissions(since: now.addingTimeInterval(-longest.seconds))
            let restored = throttle.restore(admissions, limits: limits, now: now)
            if restored > 0 {
                logger.info("Throttle windows refilled from the journal", metadata: ["admissions.count": "\(restored)"])
            }
        } catch {
            logger.warning("Cannot read throttle admissions from the journal; throttle windows start empty", metadata: ["error": "\(error)"])
        }
    }

    /// A claim that fails keeps failing once per idle poll while the store cannot write: the first
    /// failure and each new error are errors, the same error again a reminder once a minute.
    static let claimWording = RepeatedFailureLog.Wording(
        first: "Cannot claim events from the store",
        still: "Still cannot claim events from the store",
        again: "Claim failed again",
        recovered: "Claiming events from the store again",
        prefix: "claim"
    )

    /// Puts the events whose handling failed in the store back to pending, each due after its delay.
    /// While the store still cannot write they stay in the list, tried again on the next turn of the
    /// loop (at least once per idle poll), at debug level: the failure itself was logged as an error.
    private func releaseStaleEvents() async {
        for (eventID, due) in stale.unreleased {
            do {
                try await store.finish(eventID: eventID, result: .pendingUntil(due))
                stale.released(eventID: eventID)
                logger.notice(
                    "Event handed back after a store failure; it runs again",
                    metadata: ["event.id": "\(eventID)", "event.due": "\(Event.timestamp(due))"]
                )
            } catch {
                logger.debug("Event still cannot be handed back to the store", metadata: ["event.id": "\(eventID)", "error": "\(error)"])
            }
        }
    }

    /// Waits for in-flight events up to the grace period counted `from` when stopping began, then cancels
    /// the rest; their intents stay journaled, so the next start resumes them.
    private func drain(group: inout DiscardingTaskGroup, inFlight: Shared<Set<String>>, from start: ContinuousClock.Instant) async {
        let deadline = start.advanced(by: configuration.shutdownGrace)
        while !inFlight.withLock({ $0.isEmpty }) {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                let left = inFlight.withLock { $0 }.sorted()
                cancelledByDrain.withLock { $0 = left }
                logger.warning(
                    "Shutdown grace period over; cancelling in-flight actions, their events resume at the next start",
                    metadata: ["events.count": "\(left.count)", "event.ids": "\(left.joined(separator: ","))"]
                )
                group.cancelAll()
                return
            }
            await signal.wait(timeout: min(remaining, .milliseconds(200)))
        }
    }
}

/// A small value shared between tasks, behind a lock.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { value.withLock { body(&$0) } }
}

/// At most `limit` actions of one plugin at once.
final class PluginLimits: Sendable {
    private let defaultLimit: Int
    private let limits: [String: Int]
    private let running = Mutex<[String: Int]>([:])
    private let signal = WakeSignal()

    init(default defaultLimit: Int, limits: [String: Int]) {
        self.defaultLimit = max(1, defaultLimit)
        self.limits = limits
    }

    func withPermit<T: Sendable>(plugin: String, _ body: () async throws -> T) async rethrows -> T {
        let limit = max(1, limits[plugin] ?? defaultLimit)
        while !running.withLock({ counts in
            guard counts[plugin, default: 0] < limit else { return false }
            counts[plugin, default: 0] += 1
            return true
        }) {
            await signal.wait(timeout: .milliseconds(100))
        }
        defer {
            running.withLock { $0[plugin, default: 1] -= 1 }
            signal.wake()
        }
        return try await body()
    }
}
