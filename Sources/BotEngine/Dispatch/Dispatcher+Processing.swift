import BotKit
import Foundation
import Logging
import Metrics

extension Dispatcher {
    /// Runs one claimed event's actions and records how it ended. Never throws: after a store failure the
    /// event is handed back as pending, due after a growing delay, once the store writes again (see
    /// ``StaleRunningEvents``); its journal says which steps still have to run.
    func process(_ stored: StoredEvent) async {
        let enrichment = await enricher.enrichment(of: stored.event)
        let event = enrichment.event
        var logger = self.logger
        logger[metadataKey: "event.id"] = "\(event.id)"
        logger[metadataKey: "event.type"] = "\(event.type)"
        do {
            if let due = waitForEnrichment(enrichment, attempts: stored.attempts, logger: logger) {
                try await store.finish(eventID: event.id, result: .pendingUntil(due))
                stale.succeeded(eventID: event.id)
                return
            }
            if event.chainDepth > stored.event.chainDepth {
                try await store.raiseChainDepth(eventID: event.id, to: event.chainDepth)
            }
            let journal = try await store.steps(eventID: event.id)
            let existing = Dictionary(journal.map { ($0.stepID, $0) }, uniquingKeysWith: { a, _ in a })
            let current = rules.current
            // A rule that already has steps for this event was admitted by its throttle when they began.
            let decided = Set(journal.map(\.rule))
            let (plans, throttled) = current.planWithThrottle(for: event, throttle: throttle, now: environment.now(), decided: decided)
            // Journaled as skipped, so the rule counts as decided for this event: run again later (another
            // rule's retry), the event is not admitted then, late, in a newer event's place.
            for plan in throttled {
                let stepID = Self.stepID(event: event.id, rule: plan.rule, index: plan.actionIndex)
                try await skipThrottled(plan, stepID: stepID, event: event, logger: logger)
            }
            var wakeAt: Date?
            var blockedRules: Set<String> = []
            for plan in plans where !blockedRules.contains(plan.rule) {
                let stepID = Self.stepID(event: event.id, rule: plan.rule, index: plan.actionIndex)
                let previous = existing[stepID]
                if let previous, previous.isFinal {
                    // A discarded dead letter still blocks: giving up on an action is not doing it.
                    if previous.status == .dead || previous.discardedAt != nil { blockedRules.insert(plan.rule) }
                    continue
                }
                if let previous, previous.plugin != plan.plugin || previous.action != plan.action {
                    // A reload put another action at this place of the rule: the journaled one will not
                    // run again, and the step id now names the new one.
                    var replacedLogger = logger
                    replacedLogger[metadataKey: "rule.name"] = "\(plan.rule)"
                    replacedLogger[metadataKey: "plugin.name"] = "\(previous.plugin)"
                    replacedLogger[metadataKey: "action.name"] = "\(previous.action)"
                    try await tellAbandoned(
                        plugin: previous.plugin,
                        action: previous.action,
                        stepID: stepID,
                        reason: "rule '\(plan.rule)' now has \(plan.plugin).\(plan.action) as action \(plan.actionIndex)",
                        logger: replacedLogger
                    )
                }
                if let previous, previous.status == .retry || previous.status == .deferred,
                    let due = previous.nextAttemptAt, due > environment.now()
                {
                    wakeAt = min(wakeAt ?? due, due)
                    blockedRules.insert(plan.rule)
                    continue
                }
                let result = try await runStep(plan, stepID: stepID, previous: previous, event: event, logger: logger)
                switch result.status {
                case .done, .skipped: break
                case .retry, .deferred:
                    if let next = result.nextAttemptAt { wakeAt = min(wakeAt ?? next, next) }
                    // Later actions of the rule wait for this one: they may depend on it.
                    blockedRules.insert(plan.rule)
                case .dead, .running:
                    blockedRules.insert(plan.rule)
                }
            }
            let planned = Set(plans.map { Self.stepID(event: event.id, rule: $0.rule, index: $0.actionIndex) })
            for step in journal where !step.isFinal && !planned.contains(step.stepID) {
                // A step not due yet waits for its time: the rules may produce it again by then (an
                // enrichment that failed this time, a config reloaded back).
                if step.status == .retry || step.status == .deferred, let due = step.nextAttemptAt, due > environment.now() {
                    wakeAt = min(wakeAt ?? due, due)
                    continue
                }
                if let next = try await abandon(step, rules: current, event: event, logger: logger) {
                    wakeAt = min(wakeAt ?? next, next)
                }
            }
            try await store.finish(eventID: event.id, result: wakeAt.map(EventResult.pendingUntil) ?? .done)
            stale.succeeded(eventID: event.id)
        } catch is CancellationError {
            logger.notice("Event processing cancelled; it resumes on the next start")
        } catch let crash as SimulatedCrash {
            logger.notice("Event processing stopped by a test hook", metadata: ["reason": "\(crash)"])
        } catch {
            // Left running, the event would hold back every later event of its subject until a restart.
            let due = stale.failed(eventID: event.id, at: environment.now())
            logger.error(
                "Event processing failed in the store; it runs again once the store writes",
                metadata: ["error": "\(error)", "event.due": "\(Event.timestamp(due))"]
            )
        }
    }

    /// When enrichment could not read what a rule reads (the API did not answer), the time the event
    /// runs again instead: judged without it, a `where` on `project.name` would drop the event for good,
    /// and a `not` would let it through. After `max_attempts` claims it runs without.
    /// - Parameter attempts: the event's claims, this one included.
    private func waitForEnrichment(_ enrichment: Enrichment, attempts: Int, logger: Logger) -> Date? {
        guard !enrichment.unavailable.isEmpty else { return nil }
        let waiting = rules.current.rulesReading(enrichment.unavailable, for: enrichment.event)
        guard !waiting.isEmpty else { return nil }
        let metadata: Logger.Metadata = [
            "unavailable": "\(enrichment.unavailable.joined(separator: ", "))", "rules": "\(waiting.joined(separator: ", "))",
        ]
        let now = environment.now()
        guard let due = policy.nextAttempt(afterAttempts: attempts, requested: nil, now: now, random: environment.random()) else {
            logger.warning("Enrichment still unavailable after every attempt; rules run without it", metadata: metadata)
            return nil
        }
        var waitingMetadata = metadata
        waitingMetadata["event.due"] = "\(Event.timestamp(due))"
        logger.notice("Enrichment unavailable; the event waits for it, as rules read it", metadata: waitingMetadata)
        return due
    }

    /// Journals a throttled action as skipped, without running it.
    /// Logged once per action, like every other outcome: a user watching `run` sees why nothing happened.
    private func skipThrottled(_ plan: PlannedAction, stepID: String, event: Event, logger: Logger) async throws {
        let now = environment.now()
        try await store.recordIntent(plan.intent(stepID: stepID, eventID: event.id, at: now, admitted: false))
        let limit = plan.throttle.map { " (\($0.limit)\($0.key.isEmpty ? "" : " for key '\($0.key)'"))" } ?? ""
        let outcome = StepOutcome(stepID: stepID, status: .skipped, detail: "throttled\(limit)", countsAsAttempt: false, at: now)
        _ = try await store.recordOutcome(outcome, raising: [])
        var logger = logger
        logger[metadataKey: "rule.name"] = "\(plan.rule)"
        logger[metadataKey: "plugin.name"] = "\(plan.plugin)"
        logger[metadataKey: "action.name"] = "\(plan.action)"
        logger.info("Action finished", metadata: ["outcome": "skipped", "detail": "\(outcome.detail)"])
        Counter(label: "avala_bot_actions_total", dimensions: [("plugin", plan.plugin), ("outcome", "skipped")]).increment()
    }

    /// The idempotency key of one action: the same for every retry and after a crash.
    static func stepID(event: String, rule: String, index: Int) -> String {
        "\(event)/\(rule)/\(index)"
    }

    /// Journals the intent, runs the plugin, and journals the outcome with the step's new state.
    private func runStep(
        _ plan: PlannedAction,
        stepID: String,
        previous: StepRecord?,
        event: Event,
        logger eventLogger: Logger
    ) async throws -> StepOutcome {
        var logger = eventLogger
        logger[metadataKey: "rule.name"] = "\(plan.rule)"
        logger[metadataKey: "plugin.name"] = "\(plan.plugin)"
        logger[metadataKey: "action.name"] = "\(plan.action)"
        let resuming = previous?.status == .running
        // An interrupted run counts as an attempt (the store counts it with the intent): an action that
        // crashes the bot each time it runs is dead-lettered after `max_attempts` starts, not rerun forever.
        let attempts = (previous?.attempts ?? 0) + (resuming ? 1 : 0)
        let now = environment.now()
        try await store.recordIntent(plan.intent(stepID: stepID, eventID: event.id, at: now))

        let outcome: ActionOutcome
        var performed = false
        // Counted already, by the interruptions: not one more run.
        var countsAsAttempt = true
        if resuming, attempts >= policy.maxAttempts {
            countsAsAttempt = false
            outcome = .failed(
                "interrupted \(attempts) \(attempts == 1 ? "time" : "times") while it ran (the bot stopped or crashed); "
                    + "not run again (dispatcher.max_attempts is \(policy.maxAttempts))"
            )
        } else if let failure = plan.requiredFailure {
            outcome = .failed(failure)
        } else if let plugin = host.plugins[plan.plugin] {
            let request = ActionRequest(
                action: plan.action,
                parameters: plan.parameters,
                event: event,
                rule: plan.rule,
                missingPaths: plan.missingPaths,
                optionsFromEvent: plan.optionsFromEvent
            )
            let base = PluginContext(
                logger: logger,
                config: PluginConfig(),
                dryRun: configuration.dryRun,
                idempotencyKey: stepID,
                resuming: resuming,
                attempt: attempts,
                state: StoredPluginState(store: store, plugin: plan.plugin),
                now: environment.now,
                maxRetryDelay: configuration.backoffMax
            )
            let context = host.contexts.context(plugin: plan.plugin, request: request, base: base)
            outcome = await perform(plugin, request: request, context: context, logger: logger)
            performed = true
            try environment.afterPerform(stepID)
        } else {
            outcome = .failed("plugin '\(plan.plugin)' is not loaded")
        }
        return try await record(
            outcome,
            performed: performed,
            countsAsAttempt: countsAsAttempt,
            plan: plan,
            stepID: stepID,
            attempts: attempts,
            event: event,
            logger: logger
        )
    }

    /// A thrown ``ActionError`` says what kind of failure it is: permanent is dead-lettered at once,
    /// transient is retried not before its `retryAfter`. Any other thrown error is a transient failure
    /// retried with backoff; cancellation is passed on (the intent stays journaled).
    private func perform(
        _ plugin: any BotPlugin,
        request: ActionRequest,
        context: PluginContext,
        logger: Logger
    ) async
        -> ActionOutcome
    {
        do {
            return try await pluginLimits.withPermit(plugin: type(of: plugin).name) {
                try await plugin.perform(request, context: context)
            }
        } catch is CancellationError {
            return .retry(after: nil, reason: "cancelled")
        } catch let error as ActionError {
            switch error.kind {
            case .permanent:
                return .failed(error.message)
            case .transient(let retryAfter):
                return .retry(after: retryAfter.map { environment.now().addingTimeInterval($0) }, reason: error.message)
            }
        } catch {
            return .retry(after: nil, reason: "\(error)")
        }
    }

    /// - Parameters:
    ///   - performed: whether `outcome` is the plugin's own answer, rather than the dispatcher's
    ///     (a required parameter rendered empty, the plugin not loaded, interrupted too often).
    ///   - countsAsAttempt: whether a failure adds one to the step's attempts.
    private func record(
        _ outcome: ActionOutcome,
        performed: Bool,
        countsAsAttempt: Bool = true,
        plan: PlannedAction,
        stepID: String,
        attempts: Int,
        event: Event,
        logger: Logger
    )
        async throws -> StepOutcome
    {
        let now = environment.now()
        var detail = outcome.detail
        // The paths the failure for an empty required parameter names already are not named twice.
        let named = performed ? [] : Set(plan.emptyRequiredParameter?.paths ?? [])
        let unnamed = plan.missingPaths.filter { !named.contains($0) }
        if !unnamed.isEmpty { detail += " [rendered empty: \(unnamed.joined(separator: ", "))]" }
        var raised: [Event] = []
        let result: StepOutcome
        switch outcome {
        case .done:
            result = StepOutcome(stepID: stepID, status: .done, detail: detail, at: now)
        case .skipped:
            result = StepOutcome(stepID: stepID, status: .skipped, detail: detail, at: now)
        case .deferred(let until, _):
            result = StepOutcome(stepID: stepID, status: .deferred, detail: detail, nextAttemptAt: until, countsAsAttempt: false, at: now)
        case .retry(let after, _):
            if Task.isCancelled { throw CancellationError() }
            if let next = policy.nextAttempt(afterAttempts: attempts + 1, requested: after, now: now, random: environment.random()) {
                result = StepOutcome(stepID: stepID, status: .retry, detail: detail, nextAttemptAt: next, at: now)
            } else {
                detail = "gave up after \(attempts + 1) \(attempts == 0 ? "attempt" : "attempts"): \(detail)"
                result = StepOutcome(stepID: stepID, status: .dead, detail: detail, at: now)
            }
        case .failed:
            result = StepOutcome(stepID: stepID, status: .dead, detail: detail, countsAsAttempt: countsAsAttempt, at: now)
        }
        if result.status == .dead {
            // A plugin that answered `.failed` knows its action ends here. One whose `.retry` used up the
            // attempts, or that was not asked this time, may still hold something for it.
            var pluginEndedIt = false
            if case .failed = outcome { pluginEndedIt = performed }
            if !pluginEndedIt {
                try await tellAbandoned(plugin: plan.plugin, action: plan.action, stepID: stepID, reason: detail, logger: logger)
            }
            raised = deadLettered(stepID: stepID, plan: plan, reason: detail, event: event, at: now, logger: logger)
        } else {
            logger.info("Action finished", metadata: ["outcome": "\(result.status.rawValue)", "detail": "\(detail)"])
        }
        _ = try await store.recordOutcome(result, raising: raised)
        Counter(label: "avala_bot_actions_total", dimensions: [("plugin", plan.plugin), ("outcome", result.status.rawValue)])
            .increment()
        if !raised.isEmpty { signal.wake() }
        return result
    }

    /// Logs a dead letter and returns the `bot.action.dead_lettered` event to raise with it, if any.
    private func deadLettered(stepID: String, plan: PlannedAction, reason: String, event: Event, at now: Date, logger: Logger) -> [Event] {
        // Only a dead letter's own handling raises nothing more: that is what keeps the bot from looping on
        // itself. Other bot events (a roster reconcile that keeps failing) must reach the alerts.
        if event.type == .botActionDeadLettered {
            logger.error("Action dead-lettered while handling a dead letter; no further event is raised", metadata: ["reason": "\(reason)"])
            return []
        }
        logger.warning("Action dead-lettered", metadata: ["reason": "\(reason)"])
        return [Self.deadLetterEvent(stepID: stepID, plan: plan, reason: reason, original: event, at: now)]
    }

    /// Handles a journaled step that the rules, re-checking the event, no longer produce: it would
    /// otherwise never be looked at again, neither run nor reported.
    ///
    /// A rule that is gone, or has no such action any more, will not produce it again: dead-lettered at
    /// once. A rule that no longer matches may match again: the event's enrichment can
    /// have failed this time (the API down), which must not turn a retry into a dead letter. Such a step
    /// waits with backoff, counting attempts, and is dead-lettered once they run out.
    ///
    /// - Returns: when to look at the step again, or nil once it is dead-lettered.
    private func abandon(_ step: StepRecord, rules: RuleSet, event: Event, logger eventLogger: Logger) async throws -> Date? {
        var logger = eventLogger
        logger[metadataKey: "rule.name"] = "\(step.rule)"
        logger[metadataKey: "plugin.name"] = "\(step.plugin)"
        logger[metadataKey: "action.name"] = "\(step.action)"
        let plan = PlannedAction(rule: step.rule, actionIndex: step.actionIndex, plugin: step.plugin, action: step.action, parameters: [:])
        let why: String
        var mayComeBack = false
        if !rules.names.contains(step.rule) {
            why = "rule '\(step.rule)' is no longer in the config"
        } else if !rules.matchingRules(for: event).contains(step.rule) {
            why = "rule '\(step.rule)' no longer matches the event"
            mayComeBack = true
        } else {
            // A throttle cannot be why: a rule with journaled steps passes its throttle for this event.
            why = "rule '\(step.rule)' has no action \(step.actionIndex) any more"
        }
        let now = environment.now()
        if mayComeBack, let next = policy.nextAttempt(afterAttempts: step.attempts + 1, requested: nil, now: now, random: environment.random()) {
            logger.info(
                "Action waits: its rule does not produce it for this event now",
                metadata: ["reason": "\(why)", "step.next_attempt": "\(Event.timestamp(next))"]
            )
            // Until the rule produces it again, the action must not take effect through the plugin's
            // state either (an alert waiting in its group would go out with another action's message).
            try await tellAbandoned(plugin: step.plugin, action: step.action, stepID: step.stepID, reason: why, logger: logger)
            // The step keeps its last outcome's detail; the attempt counts, so this ends.
            let waiting = StepOutcome(stepID: step.stepID, status: .retry, detail: step.detail ?? "", nextAttemptAt: next, at: now)
            _ = try await store.recordOutcome(waiting, raising: [])
            return next
        }
        var reason = "the rule no longer produces this action for this event: \(why) (step was \(step.status.rawValue)"
        if let detail = step.detail, !detail.isEmpty { reason += ", last: \(detail)" }
        reason += ")"
        try await tellAbandoned(plugin: step.plugin, action: step.action, stepID: step.stepID, reason: reason, logger: logger)
        let raised = deadLettered(stepID: step.stepID, plan: plan, reason: reason, event: event, at: now, logger: logger)
        // Not an attempt of the action: it did not run.
        let outcome = StepOutcome(stepID: step.stepID, status: .dead, detail: reason, countsAsAttempt: false, at: now)
        _ = try await store.recordOutcome(outcome, raising: raised)
        Counter(label: "avala_bot_actions_total", dimensions: [("plugin", step.plugin), ("outcome", StepRecord.Status.dead.rawValue)])
            .increment()
        if !raised.isEmpty { signal.wake() }
        return nil
    }

    /// Tells a plugin that the dispatcher stopped running one of its steps without `perform` having said
    /// so (``BotPlugin/abandoned(action:reason:context:)``), so that it lets go of what it keeps for the
    /// step: an alert waiting in its group would otherwise still go out with the group's next message,
    /// flushed by another action, while the journal shows this one dead-lettered.
    ///
    /// Called before the step's new state is journaled, so that a crash in between tells the plugin again
    /// on the next pass. A plugin's failure is logged and does not hold the step back: a dead letter must
    /// not wait for a plugin's bookkeeping. A plugin that is not loaded (a reload took it out) cannot be
    /// told: its state stays as it was.
    func tellAbandoned(plugin name: String, action: String, stepID: String, reason: String, logger: Logger) async throws {
        guard let plugin = host.plugins[name] else { return }
        // No Avala actions and no outbound HTTP (the defaults): letting go is bookkeeping, not an action.
        let context = PluginContext(
            logger: logger,
            config: PluginConfig(),
            dryRun: configuration.dryRun,
            idempotencyKey: stepID,
            state: StoredPluginState(store: store, plugin: name),
            now: environment.now,
            maxRetryDelay: configuration.backoffMax
        )
        do {
            try await pluginLimits.withPermit(plugin: type(of: plugin).name) {
                try await plugin.abandoned(action: action, reason: reason, context: context)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            logger.error(
                "Plugin could not let go of an action it will not run; what it kept for it may still take effect",
                metadata: ["reason": "\(reason)", "error": "\(error)"]
            )
        }
    }

    static func deadLetterEvent(stepID: String, plan: PlannedAction, reason: String, original: Event, at now: Date) -> Event {
        Event(
            type: .botActionDeadLettered,
            source: .bot,
            origin: "dispatcher",
            time: now,
            subject: Event.Subject(kind: "step", uid: stepID),
            data: [
                "action": ["plugin": .string(plan.plugin), "action": .string(plan.action), "index": .number(Double(plan.actionIndex))],
                "rule": .string(plan.rule), "reason": .string(reason),
                "original": ["id": .string(original.id), "type": .string(original.type.rawValue)],
            ],
            keys: [EventType.deadLetterKey(stepID: stepID)]
        )
    }
}
