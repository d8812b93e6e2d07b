public import Foundation

/// One thing that happened, as the bot stores and routes it.
///
/// Written once when it arrives (from a webhook, a poller or the bot itself) and read back by every later
/// step, so a crash anywhere loses nothing and a replay is the same code path as a first delivery.
///
/// ```swift
/// let event = Event(type: .exportCompleted, source: .webhook,
///                   subject: .init(kind: "export", uid: "e-1"),
///                   data: ["export": ["uid": "e-1", "status": "exported"]],
///                   keys: ["delivery:avala:d-1", "export.completed:e-1"])
/// ```
public struct Event: Codable, Hashable, Sendable, Identifiable {
    public enum Source: String, Codable, Hashable, Sendable {
        case webhook, poller, bot
    }

    public struct Subject: Codable, Hashable, Sendable {
        public var kind: String
        public var uid: String
        public init(kind: String, uid: String) {
            self.kind = kind
            self.uid = uid
        }
        /// `export:e-1`: what per-subject ordering groups by.
        public var key: String { "\(kind):\(uid)" }
    }

    public var id: String
    public var type: EventType
    public var source: Source
    /// The sender's name for webhooks (a listener path's `source`), the poller's name, or `bot`.
    public var origin: String
    public var time: Date
    public var subject: Subject?
    /// The body rules and templates see: the subject under its kind (`export`, `member`, …).
    public var data: JSON
    /// Dedup keys: the delivery key and the semantic key, whichever apply. The event is new only if none
    /// of them has been seen.
    public var keys: [String]
    /// 0 for an event the bot did not cause; the export plugin's chain adds one per step.
    public var chainDepth: Int
    /// The id of the event this one replays, for `events replay`.
    public var replayOf: String?

    public init(
        id: String = Event.newID(),
        type: EventType,
        source: Source,
        origin: String? = nil,
        time: Date = Date(),
        subject: Subject? = nil,
        data: JSON = [:],
        keys: [String] = [],
        chainDepth: Int = 0,
        replayOf: String? = nil
    ) {
        self.id = id
        self.type = type
        self.source = source
        self.origin = origin ?? source.rawValue
        self.time = time
        self.subject = subject
        self.data = data
        self.keys = keys
        self.chainDepth = chainDepth
        self.replayOf = replayOf
    }

    /// What `where` paths and templates resolve against: the body's keys at the root, plus `event`.
    public var scope: JSON {
        var root = data.objectValue ?? ["payload": data]
        var meta: [String: JSON] = [
            "id": .string(id), "type": .string(type.rawValue), "source": .string(source.rawValue),
            "origin": .string(origin), "time": .string(Self.timestamp(time)), "chain_depth": .number(Double(chainDepth)),
            "replay_of": replayOf.map(JSON.string) ?? .null,
        ]
        meta["subject"] = subject.map { ["kind": .string($0.kind), "uid": .string($0.uid)] } ?? .null
        root["event"] = .object(meta)
        return .object(root)
    }

    /// ISO-8601 in UTC with milliseconds, rounded to the nearest: the formatter truncates, and a time read
    /// back from its own text (`.910` is held as `.90999…`) must print the same text again, or an event
    /// file taken through `simulate` or a `forward` would lose a millisecond each time.
    public static func timestamp(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        let seconds = (milliseconds / 1000).rounded(.down)
        let fraction = Int(milliseconds - seconds * 1000)
        let whole = Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle())
        let digits = String(fraction)
        return whole.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }
}
