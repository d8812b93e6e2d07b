import BotKit
import Foundation

/// An event turned into the column values of its `events` row, ready for the writer.
///
/// Encoding happens in the caller's task, before the event joins a group commit: the JSON work is then
/// spread over the callers instead of lengthening the one write transaction they all wait for.
struct PreparedEvent: Sendable {
    var id: String
    var type: String
    var source: String
    var origin: String
    /// Seconds since 1970.
    var time: Double
    var subjectKind: String?
    var subjectUID: String?
    /// Compact JSON text.
    var data: String
    /// The event's keys as given, a JSON array, so the event reads back exactly as it was ingested.
    var keysJSON: String
    /// The keys to check and record: the event's keys without repeats, in their order.
    var uniqueKeys: [String]
    var chainDepth: Int
    var replayOf: String?

    /// - Throws: ``SQLiteEventStoreError`` `.unencodable` when the body holds a value JSON cannot carry.
    init(_ event: Event) throws {
        id = event.id
        type = event.type.rawValue
        source = event.source.rawValue
        origin = event.origin
        time = SQLiteEventStore.seconds(event.time)
        subjectKind = event.subject?.kind
        subjectUID = event.subject?.uid
        data = try SQLiteEventStore.encode(event.data, what: "the data", eventID: event.id)
        keysJSON = try SQLiteEventStore.encode(.array(event.keys.map(JSON.string)), what: "the keys", eventID: event.id)
        var seen: Set<String> = []
        uniqueKeys = event.keys.filter { seen.insert($0).inserted }
        chainDepth = event.chainDepth
        replayOf = event.replayOf
    }
}
