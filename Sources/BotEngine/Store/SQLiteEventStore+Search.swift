public import Foundation
import GRDB

extension SQLiteEventStore {
    /// Newest first, like ``recentEvents(limit:since:)``, stored before `until` when it is set, and only
    /// events whose type `matches` accepts: rows are streamed from one read until `limit` of them match,
    /// so a filter SQL cannot express (a type glob) still sees every event since `since`, not only the
    /// newest few thousand.
    ///
    /// - Parameter olderThan: an event id: only events listed after it in this order. A page goes on from
    ///   the last event of the one before without losing the events stored in the same instant (a batch
    ///   commits many at one time), which a time bound cannot do.
    /// - Throws: `.unknownEvent` when `olderThan` names no stored event.
    public func recentEvents(
        limit: Int,
        since: Date?,
        until: Date? = nil,
        olderThan: String? = nil,
        typeMatching matches: @escaping @Sendable (String) -> Bool
    ) async throws -> [StoredEvent] {
        guard limit > 0 else { return [] }
        return try await pool.read { db in
            var cursor: (storedAt: Double, seq: Int64) = (.greatestFiniteMagnitude, .max)
            if let olderThan {
                guard let row = try Row.fetchOne(db, sql: "SELECT stored_at, seq FROM events WHERE id = ?", arguments: [olderThan]) else {
                    throw SQLiteEventStoreError(code: .unknownEvent, message: "no event with this id is stored", eventID: olderThan)
                }
                cursor = (row["stored_at"], row["seq"])
            }
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT \(Self.eventColumns) FROM events
                    WHERE stored_at >= ? AND stored_at < ?
                      AND (stored_at < ? OR (stored_at = ? AND seq < ?))
                    ORDER BY stored_at DESC, seq DESC
                    """,
                arguments: [
                    since.map(Self.seconds) ?? -Double.greatestFiniteMagnitude, until.map(Self.seconds) ?? Double.greatestFiniteMagnitude,
                    cursor.storedAt, cursor.storedAt, cursor.seq,
                ]
            )
            var found: [StoredEvent] = []
            while found.count < limit, let row = try rows.next() {
                // The type is read before the row is decoded: most rows are skipped.
                guard matches(row["type"]) else { continue }
                found.append(try Self.storedEvent(row))
            }
            return found
        }
    }
}
