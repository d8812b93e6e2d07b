public import BotKit
public import Foundation

/// The durable inbox, journal, dead letters, poller snapshots and plugin state, behind one protocol.
///
/// SQLite is the embedded implementation; PostgreSQL will follow, so nothing above this protocol may
/// know which one it talks to. Every method is durable when it returns.
///
/// The lifecycle of an event: `ingest` (pending) → `claim` (running) → for each action step
/// `recordIntent` then `recordOutcome` → `finish` (done, or pending again at a later time). After a
/// crash, `releaseRunning` puts running events back to pending; a step whose intent was recorded without
/// an outcome is then run again with `resuming` set, and a step with an outcome is not run again.
public protocol EventStore: Sendable {
    /// Creates or migrates the schema.
    func migrate() async throws

    /// Stores events that none of whose keys was seen before, and saves the snapshots, in one
    /// transaction; results come back in the order of `events`. Concurrent callers are committed
    /// together, so ingest is not capped at one fsync per event.
    func ingest(_ events: [Event], snapshots: [String: JSON]) async throws -> [IngestResult]

    /// Claims up to `limit` due events (pending, due at or before `now`), oldest first, and marks them
    /// running. Per-subject order holds: an event is not claimed while an earlier event about the same
    /// subject is unfinished, and at most one event per subject is claimed at a time.
    func claim(limit: Int, now: Date) async throws -> [StoredEvent]

    /// Every running event back to pending (a crash or a lost worker left it so). Returns how many.
    @discardableResult
    func releaseRunning() async throws -> Int

    /// The journal of one event: its steps so far.
    func steps(eventID: String) async throws -> [StepRecord]

    /// Before a plugin acts: creates the step if new and records the intent (status `running`), with the
    /// intent's plugin and action (a reload can put another action at an existing step's place). A step
    /// still `running` was interrupted: that run counts as one of its attempts.
    func recordIntent(_ step: StepIntent) async throws

    /// After a plugin acted: the step's outcome, in one transaction with the step's new state; and, when
    /// given, the events it raises (a `bot.action.dead_lettered`).
    func recordOutcome(_ outcome: StepOutcome, raising events: [Event]) async throws -> [IngestResult]

    /// The event is finished (`done`), or goes back to pending until `nextAttemptAt`.
    func finish(eventID: String, result: EventResult) async throws

    /// Raises the stored event's chain depth to `depth` when it is lower: the dispatcher's enrichment
    /// placed it deeper than it arrived (its export's creation was recorded after it, or an intent
    /// placed it), and what `events list` shows and a replay copies must be the depth its rules saw.
    func raiseChainDepth(eventID: String, to depth: Int) async throws

    /// Claims like ``claim(limit:now:)``, except that due events whose type `routes` refuses — events no
    /// rule routes — are finished (`done`) in the same write instead of being returned, at most
    /// `unroutedLimit` of them per call. They run no action, so they cost a share of one write, not a write
    /// of their own; most webhooks of a busy organization are such events.
    ///
    /// An event that was claimed before is returned whatever its type: its journal may hold steps still to
    /// end (a retry, a deferral), and with no rule left for its type (a reload removed it) the dispatcher
    /// must still dead-letter them with the reason, not leave them waiting under a finished event.
    func claim(
        limit: Int,
        now: Date,
        finishingUnrouted unroutedLimit: Int,
        routes: @escaping @Sendable (EventType) -> Bool
    ) async throws -> ClaimedEvents

    /// One event with its state, or nil.
    func event(id: String) async throws -> StoredEvent?

    /// The newest events first, optionally only those stored at or after `since`.
    func recentEvents(limit: Int, since: Date?) async throws -> [StoredEvent]

    /// Dead-lettered steps, newest first.
    func deadLetters(limit: Int) async throws -> [StepRecord]

    /// The steps begun last, newest first, whatever their events' state: the `/status` page's recent
    /// actions, which a backlog of events not yet run would otherwise push out of sight.
    func recentSteps(limit: Int) async throws -> [StepRecord]

    /// What rules' throttles admitted at or after `since`: one per rule, key and event, from the steps
    /// that recorded a throttle key (``StepIntent/throttleKey``).
    func throttleAdmissions(since: Date) async throws -> [ThrottleAdmission]

    /// Puts a dead-lettered step back to be run again under its original key, and its event back to
    /// pending now. Returns false when there is no such dead letter.
    func retryDeadLetter(stepID: String, now: Date) async throws -> Bool

    /// Gives up on a dead-lettered step for good: it is marked skipped, with why it had failed, and no
    /// longer keeps its event from being pruned. Returns false when there is no such dead letter.
    func discardDeadLetter(stepID: String, now: Date) async throws -> Bool

    /// A poller's snapshot, or nil.
    func snapshot(_ key: String) async throws -> JSON?
    /// Reads, transforms and writes one snapshot atomically; `transform` returning nil removes it.
    func updateSnapshot(_ key: String, _ transform: @escaping @Sendable (JSON?) throws -> JSON?) async throws -> JSON?

    /// A plugin's state value, or nil.
    func pluginState(plugin: String, key: String) async throws -> JSON?
    func setPluginState(plugin: String, key: String, value: JSON?) async throws
    /// Reads, transforms and writes one key atomically; `transform` returning nil removes it.
    func updatePluginState(plugin: String, key: String, _ transform: @escaping @Sendable (JSON?) throws -> JSON?) async throws -> JSON?

    /// Removes done events finished before `doneBefore` (with their steps) unless they hold a dead
    /// letter, and dedup keys first seen before `keysBefore`.
    func prune(doneBefore: Date, keysBefore: Date) async throws -> PruneResult

    /// Pending and running events, for the `/metrics` queue depth.
    func queueDepth() async throws -> Int

    /// Dead-lettered steps, for `/metrics`: they stay until retried or discarded, so a dashboard alerts on
    /// any above 0.
    func deadLetterCount() async throws -> Int
}

extension EventStore {
    /// A claim, then one write per unrouted event; stores that can do better override it.
    public func claim(
        limit: Int,
        now: Date,
        finishingUnrouted unroutedLimit: Int,
        routes: @escaping @Sendable (EventType) -> Bool
    ) async throws -> ClaimedEvents {
        var claimed = ClaimedEvents()
        for stored in try await claim(limit: limit, now: now) {
            // `attempts` counts this claim too: more than one means the event was claimed before.
            if routes(stored.event.type) || stored.attempts > 1 {
                claimed.routed.append(stored)
            } else {
                try await finish(eventID: stored.event.id, result: .done)
                claimed.finishedUnrouted += 1
            }
        }
        return claimed
    }

    /// Writes one small row (the snapshot `listener.readyz`): whether the store can write at all, for
    /// `/readyz`. A full disk or a read-only file throws.
    public func checkWritable(now: Date) async throws {
        _ = try await updateSnapshot("listener.readyz") { _ in .string(Event.timestamp(now)) }
    }

    public func ingest(_ event: Event) async throws -> IngestResult {
        try await ingest([event], snapshots: [:])[0]
    }

    public func ingest(_ events: [Event]) async throws -> [IngestResult] {
        try await ingest(events, snapshots: [:])
    }
}

/// Whether an event was stored, or one of its keys had been seen already.
public enum IngestResult: Hashable, Sendable {
    case new(eventID: String)
    /// `existingID`: the event that already holds the key; `key`: which key matched.
    case duplicate(existingID: String, key: String)

    public var isNew: Bool {
        if case .new = self { return true }
        return false
    }
}

/// An event with its place in the lifecycle.
public struct StoredEvent: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable, Codable {
        case pending, running, done
    }

    public var event: Event
    public var status: Status
    /// Times the event was claimed before.
    public var attempts: Int
    /// When it is due (pending) — nil once done.
    public var nextAttemptAt: Date?
    public var storedAt: Date
    public var finishedAt: Date?

    public init(event: Event, status: Status, attempts: Int, nextAttemptAt: Date?, storedAt: Date, finishedAt: Date?) {
        self.event = event
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.storedAt = storedAt
        self.finishedAt = finishedAt
    }
}

/// Before a plugin acts.
public struct StepIntent: Hashable, Sendable {
    /// The idempotency key: event + rule + action index.
    public var stepID: String
    public var eventID: String
    public var rule: String
    public var actionIndex: Int
    public var plugin: String
    public var action: String
    public var at: Date
    /// The rendered throttle key when the rule's throttle admitted the event for this step; nil for a
    /// rule without a throttle, and for a step the throttle held back. Kept from the step's first intent.
    public var throttleKey: String?

    public init(
        stepID: String,
        eventID: String,
        rule: String,
        actionIndex: Int,
        plugin: String,
        action: String,
        at: Date,
        throttleKey: String? = nil
    ) {
        self.stepID = stepID
        self.eventID = eventID
        self.rule = rule
        self.actionIndex = actionIndex
        self.plugin = plugin
        self.action = action
        self.at = at
        self.throttleKey = throttleKey
    }
}

/// After a plugin acted.
public struct StepOutcome: Hashable, Sendable {
    public var stepID: String
    public var status: StepRecord.Status
    /// The outcome's detail or reason.
    public var detail: String
    /// For `retry` and `deferred`: when to run the step again.
    public var nextAttemptAt: Date?
    /// Whether this run counts as an attempt (a deferral does not).
    public var countsAsAttempt: Bool
    public var at: Date

    public init(stepID: String, status: StepRecord.Status, detail: String, nextAttemptAt: Date? = nil, countsAsAttempt: Bool = true, at: Date) {
        self.stepID = stepID
        self.status = status
        self.detail = detail
        self.nextAttemptAt = nextAttemptAt
        self.countsAsAttempt = countsAsAttempt
        self.at = at
    }
}

/// One action of one rule for one event: the journal entry.
public struct StepRecord: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable, Codable {
        /// The intent is recorded, the outcome not yet: in progress, or interrupted by a crash.
        case running
        case done, skipped, deferred, retry
        /// Dead-lettered: failed permanently or ran out of attempts.
        case dead
    }

    public var stepID: String
    public var eventID: String
    public var rule: String
    public var actionIndex: Int
    public var plugin: String
    public var action: String
    public var status: Status
    /// Attempts that ended in `retry` or `dead` (deferrals do not count).
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var detail: String?
    public var intentAt: Date?
    public var updatedAt: Date
    /// When an operator discarded it from the dead letters (`skipped` since): like a dead step, it holds
    /// back its rule's later actions, which may depend on it.
    public var discardedAt: Date?

    public init(
        stepID: String,
        eventID: String,
        rule: String,
        actionIndex: Int,
        plugin: String,
        action: String,
        status: Status,
        attempts: Int,
        nextAttemptAt: Date?,
        detail: String?,
        intentAt: Date?,
        updatedAt: Date,
        discardedAt: Date? = nil
    ) {
        self.stepID = stepID
        self.eventID = eventID
        self.rule = rule
        self.actionIndex = actionIndex
        self.plugin = plugin
        self.action = action
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.detail = detail
        self.intentAt = intentAt
        self.updatedAt = updatedAt
        self.discardedAt = discardedAt
    }

    /// Nothing more will happen for this step.
    public var isFinal: Bool { status == .done || status == .skipped || status == .dead }
}

/// How an event's processing ended this time.
public enum EventResult: Hashable, Sendable {
    case done
    /// Pending again until then (a step to retry or a deferral).
    case pendingUntil(Date)
}

public struct PruneResult: Hashable, Sendable {
    public var events: Int
    public var keys: Int
    public init(events: Int, keys: Int) {
        self.events = events
        self.keys = keys
    }
}
