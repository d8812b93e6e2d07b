public import Foundation

/// An export the bot is about to request, and the chain depth its events must carry.
///
/// Recorded before the request is sent and removed once its outcome is known: the created export's uid
/// recorded, or Avala's refusal. Between the two, the bot may crash or lose the answer, and the export's
/// own events (a webhook, the exports poller) can arrive before the action runs again; the intent lets
/// them be recognised by what was exported and when, so they keep the chain's depth instead of starting
/// over at 0 — which would let a rule that triggers itself loop past `max_chain_depth`.
///
/// The same recognition lets an action's next run adopt the export an earlier run created.
///
/// ```swift
/// let intent = ExportChainIntent(id: context.idempotencyKey, project: "p-1", format: "yolo", depth: 2, at: context.now())
/// try await context.avala.recordChainIntent(intent)
/// intent.covers(export)   // same project and format, created around `at`
/// ```
public struct ExportChainIntent: Codable, Hashable, Sendable {
    /// The action's idempotency key: one intent per action, replaced by its next run's.
    public var id: String
    public var project: String?
    public var dataset: String?
    /// Nil when the request names no format (the SDK's request shape): any format matches then.
    public var format: String?
    /// The depth the export's events must carry (the triggering event's depth + 1).
    public var depth: Int
    /// When the request was about to be sent, by the bot's clock.
    public var at: Date
    /// The export whose event started the action: never the one it creates, though it may match (a
    /// rule that exports the same project and format again) and was created just before.
    public var trigger: String?

    /// Clocks differ between the bot and Avala: an export may look created a little before the intent.
    public static let slack: TimeInterval = 60
    /// How long after the intent the export it led to may have been created: the clock difference, plus
    /// a slow request that Avala finished after the bot had given up on it.
    public static let window: TimeInterval = 300

    public init(
        id: String,
        project: String? = nil,
        dataset: String? = nil,
        format: String? = nil,
        depth: Int,
        at: Date,
        trigger: String? = nil
    ) {
        self.id = id
        self.project = project
        self.dataset = dataset
        self.format = format
        self.depth = depth
        self.at = at
        self.trigger = trigger
    }

    /// The earliest creation time an export of this intent can have.
    public var earliest: Date { at.addingTimeInterval(-Self.slack) }
    /// The latest creation time an export of this intent can have.
    public var latest: Date { at.addingTimeInterval(Self.window) }

    /// Whether an existing export is one this intent's request would have created: the same project or
    /// dataset, and the same format when the request named one, and not the export that triggered the
    /// action. Says nothing about when.
    public func matches(_ export: AvalaExport) -> Bool {
        if export.uid == trigger { return false }
        if let format, export.format.map({ $0.lowercased() }) != format.lowercased() { return false }
        if let project { return export.projects.contains(project) }
        if let dataset { return export.datasets.contains(dataset) }
        return false
    }

    /// Whether `export` matches and was created within [``earliest``, ``latest``]. An export without a
    /// creation time cannot be placed, and is never covered.
    public func covers(_ export: AvalaExport) -> Bool {
        guard matches(export), let created = export.createdAt else { return false }
        return created >= earliest && created <= latest
    }

    enum CodingKeys: String, CodingKey {
        case id, project, dataset, format, depth, at, trigger
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        project = try container.decodeIfPresent(String.self, forKey: .project)
        dataset = try container.decodeIfPresent(String.self, forKey: .dataset)
        format = try container.decodeIfPresent(String.self, forKey: .format)
        depth = try container.decode(Int.self, forKey: .depth)
        // Seconds since 1970, as the plugin's own intents are kept: readable, and the same in JSON.
        at = Date(timeIntervalSince1970: try container.decode(Double.self, forKey: .at))
        trigger = try container.decodeIfPresent(String.self, forKey: .trigger)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(project, forKey: .project)
        try container.encodeIfPresent(dataset, forKey: .dataset)
        try container.encodeIfPresent(format, forKey: .format)
        try container.encode(depth, forKey: .depth)
        try container.encode(at.timeIntervalSince1970, forKey: .at)
        try container.encodeIfPresent(trigger, forKey: .trigger)
    }

    /// The intent as a snapshot holds it: the same keys and values as its Codable form.
    public var json: JSON {
        var object: [String: JSON] = ["id": .string(id), "depth": .number(Double(depth)), "at": .number(at.timeIntervalSince1970)]
        object["project"] = project.map(JSON.string)
        object["dataset"] = dataset.map(JSON.string)
        object["format"] = format.map(JSON.string)
        object["trigger"] = trigger.map(JSON.string)
        return .object(object)
    }

    /// The intent `json` holds, or nil when it is not one (a snapshot written by something else).
    public init?(json: JSON) {
        guard let id = json["id"]?.stringValue, let depth = json["depth"]?.intValue, let seconds = json["at"]?.numberValue else { return nil }
        self.init(
            id: id,
            project: json["project"]?.stringValue,
            dataset: json["dataset"]?.stringValue,
            format: json["format"]?.stringValue,
            depth: depth,
            at: Date(timeIntervalSince1970: seconds),
            trigger: json["trigger"]?.stringValue
        )
    }
}
