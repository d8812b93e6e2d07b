import BotKit
import Foundation
import GRDB

/// Column values to and from Swift values: dates as REAL seconds since 1970, JSON as compact text.
///
/// GRDB would store a `Date` argument as text; every date goes through ``seconds(_:)`` instead, so the
/// columns compare as numbers and round-trip to well under a millisecond.
extension SQLiteEventStore {
    /// The columns ``storedEvent(_:)`` reads, in a SELECT.
    static let eventColumns = """
        id, type, source, origin, time, subject_kind, subject_uid, data, keys, chain_depth, replay_of, \
        status, attempts, next_attempt_at, stored_at, finished_at
        """

    /// The columns ``stepRecord(_:)`` reads, in a SELECT.
    static let stepColumns = """
        step_id, event_id, rule, action_index, plugin, action, status, attempts, next_attempt_at, detail, \
        intent_at, updated_at, discarded_at
        """

    static func seconds(_ date: Date) -> Double { date.timeIntervalSince1970 }

    static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }

    static func date(_ seconds: Double?) -> Date? { seconds.map(date) }

    /// Compact JSON text (see ``JSONText``).
    ///
    /// - Throws: `.unencodable`, naming `what` and the event, never the value.
    static func encode(_ value: JSON, what: String, eventID: String? = nil) throws -> String {
        do {
            return try JSONText.compact(value)
        } catch {
            throw SQLiteEventStoreError(code: .unencodable, message: "\(what) cannot be written as JSON", eventID: eventID)
        }
    }

    /// How deep stored JSON may nest. Deeper than any input is parsed (512): the bot wraps what it
    /// receives (a bare resource goes under its kind), and a row it wrote must always read back — one
    /// that did not would fail every claim that reaches it.
    static let storedJSONDepth = JSON.maximumParseDepth + 64

    /// - Throws: `.corruptRow`, naming `what` and the event, never the text.
    static func decode(_ text: String, what: String, eventID: String? = nil) throws -> JSON {
        do {
            return try JSON.parse(text.utf8, maximumDepth: storedJSONDepth)
        } catch {
            throw SQLiteEventStoreError(code: .corruptRow, message: "\(what) is not valid JSON", eventID: eventID)
        }
    }

    /// An `events` row selected with ``eventColumns``.
    static func storedEvent(_ row: Row) throws -> StoredEvent {
        let id: String = row["id"]
        func corrupt(_ column: String) -> SQLiteEventStoreError {
            SQLiteEventStoreError(code: .corruptRow, message: "the stored \(column) is not one this version knows", eventID: id)
        }
        guard let source = Event.Source(rawValue: row["source"]) else { throw corrupt("source") }
        guard let status = StoredEvent.Status(rawValue: row["status"]) else { throw corrupt("status") }
        let keys = try decode(row["keys"], what: "the stored keys", eventID: id)
        guard let keyList = keys.arrayValue?.compactMap(\.stringValue), keyList.count == keys.arrayValue?.count else {
            throw corrupt("key list")
        }
        let subjectKind: String? = row["subject_kind"]
        let subjectUID: String? = row["subject_uid"]
        var subject: Event.Subject?
        if let subjectKind, let subjectUID { subject = Event.Subject(kind: subjectKind, uid: subjectUID) }
        let event = Event(
            id: id,
            type: EventType(rawValue: row["type"]),
            source: source,
            origin: row["origin"],
            time: date(row["time"] as Double),
            subject: subject,
            data: try decode(row["data"], what: "the stored data", eventID: id),
            keys: keyList,
            chainDepth: row["chain_depth"],
            replayOf: row["replay_of"]
        )
        return StoredEvent(
            event: event,
            status: status,
            attempts: row["attempts"],
            nextAttemptAt: date(row["next_attempt_at"] as Double?),
            storedAt: date(row["stored_at"] as Double),
            finishedAt: date(row["finished_at"] as Double?)
        )
    }

    /// A `steps` row selected with ``stepColumns``.
    static func stepRecord(_ row: Row) throws -> StepRecord {
        let stepID: String = row["step_id"]
        guard let status = StepRecord.Status(rawValue: row["status"]) else {
            throw SQLiteEventStoreError(code: .corruptRow, message: "the stored step status is not one this version knows", stepID: stepID)
        }
        return StepRecord(
            stepID: stepID,
            eventID: row["event_id"],
            rule: row["rule"],
            actionIndex: row["action_index"],
            plugin: row["plugin"],
            action: row["action"],
            status: status,
            attempts: row["attempts"],
            nextAttemptAt: date(row["next_attempt_at"] as Double?),
            detail: row["detail"],
            intentAt: date(row["intent_at"] as Double?),
            updatedAt: date(row["updated_at"] as Double),
            discardedAt: date(row["discarded_at"] as Double?)
        )
    }
}
