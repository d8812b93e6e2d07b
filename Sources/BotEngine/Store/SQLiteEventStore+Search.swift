public import Foundation
import GRDB

extension SQLiteEventStore {
    /// Newest first, like ``recentEvents(limit:since:)``, stored before `until` when it is set, and only
    /// events whose type `matches` accepts: rows are streamed from one read until `limit` of them match,
    /// so a filter SQL cannot express (a type glob) still sees every event since `since`, not only the
    /// newest few thousand.
    public func recentEvents(
        limit: Int,
        since: Date?,
        until: Date? = nil,
        typeMatching matches: @escaping @Sendable (String) -> Bool
    ) async throws -> [StoredEvent] {
        guard limit > 0 else { return [] }
        return try await pool.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT \(Self.eventColumns) FROM events
                    WHERE stored_at >= ? AND stored_at < ?
                    ORDER BY stored_at DESC, seq DESC
                    """,
                arguments: [since.map(Self.seconds) ?? -Double.greatestFiniteMagnitude, until.map(Self.seconds) ?? Double.greatestFiniteMagnitude]
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
