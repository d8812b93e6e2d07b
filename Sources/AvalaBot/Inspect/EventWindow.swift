import ArgumentParser
import BotEngine
import BotKit
import Foundation

/// The `--since`, `--until` and `--type` of `events list` and `events replay`, read from the command
/// line alone.
///
/// Built in the commands' `validate()`, so that a value that is no duration, time, event id or glob is
/// a bad command line (a `ValidationError`: the command's usage, exit 64), as a bad `--limit` is; what
/// only the store can answer (an event id it does not hold) is found out later, in ``olderThan(in:)``,
/// and is a failure of the work (exit 1).
struct EventWindow {
    var since: String?
    var until: String?
    var type: String?
    /// The start, from `--since`.
    var start: Date?
    /// The end, when `--until` is a duration or a time.
    var end: Date?
    /// `--until` when it has the shape of an event id: the events stored before that one.
    var untilEvent: String?
    var pattern: Glob?

    /// - Throws: `ValidationError` naming the option and what is wrong with its value.
    init(since: String?, until: String?, type: String?, now: Date = Date()) throws {
        self.since = since
        self.until = until
        self.type = type
        do {
            start = try since.map { try InspectFormat.since($0, now: now) }
        } catch let error as InspectError {
            throw ValidationError(error.description)
        }
        if let until {
            if let time = try? InspectFormat.since(until, option: "--until", now: now) {
                end = time
            } else if EventsCommand.looksLikeEventID(until) {
                // Every id the bot gives an event has this shape (Event.newID): whether one is stored is
                // for the store to say.
                untilEvent = until
            } else if until.allSatisfy(\.isNumber) || InspectFormat.meantAsTime(until),
                let reason = InspectFormat.whyNotDurationOrTime(until)
            {
                // A bare number, or a time short of its zone: not a piece of an event id, which the hint below is for.
                throw ValidationError("--until \(until): \(reason)")
            } else {
                throw ValidationError("--until takes a duration (30m, 2h, 7d), an ISO-8601 time or a stored event's id, not '\(until)'")
            }
        }
        if let start, let end, start >= end {
            throw ValidationError(
                "--since \(since ?? "") (\(Event.timestamp(start))) is not before --until \(until ?? "") (\(Event.timestamp(end))): no event can match"
            )
        }
        do {
            pattern = try type.map { try Glob($0) }
        } catch {
            throw ValidationError("--type \(type ?? ""): \(error)")
        }
    }

    /// The stored event `--until` names, when it names one: the page goes on after it.
    /// - Throws: ``CommandFailure`` when the store holds no such event, or it was stored before `--since`
    ///   (nothing can match: the command line is fine, the store's contents decide).
    func olderThan(in store: SQLiteEventStore) async throws -> String? {
        guard let untilEvent else { return nil }
        guard let stored = try await EventsCommand.storedEvent(untilEvent, in: store) else { throw EventsCommand.notStored(untilEvent) }
        if let start, start > stored.storedAt {
            throw CommandFailure(
                "--since \(since ?? "") (\(Event.timestamp(start))) is after event \(stored.event.id) (stored \(Event.timestamp(stored.storedAt))): no event can match"
            )
        }
        return stored.event.id
    }
}
