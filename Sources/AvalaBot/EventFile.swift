import BotEngine
import BotKit
import Foundation

/// An event written as a file (`simulate --event`, `events show`, the `forward` plugin's body):
/// `{"type": "export.completed", "id": "…", "source": "…", "time": "…", "data": {"export": {…}}}`.
enum EventFile {
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// The keys of ``BotKit/Event/fileForm``.
    static let fileKeys = ["type", "data", "id", "source", "origin", "time", "subject", "chain_depth", "replay_of"]
    /// Those, and the ones `events show` adds about the stored event, so that its output reads back.
    static let keys = fileKeys + ["status", "attempts", "stored_at", "keys", "actions", "interrupted"]

    /// Why `type`, given as `--type` for a raw Avala body, is one no delivery could have, or nil.
    static func typeProblem(_ type: EventType) -> String? {
        // As the listener refuses them (400): Avala never sends one, so no rule on it sees one from there.
        if type.rawValue.hasPrefix("bot.") {
            return
                "--type \(type.rawValue): bot.* events are the bot's own, and a delivery of one is refused; to try a rule on one, write it as an event file {\"type\": \"\(type.rawValue)\", \"data\": {…}} without --type"
        }
        return type.nameProblem.map { "--type: \($0), and the listener refuses it" }
    }

    /// Reads an event file; with `type`, the file is a raw Avala body normalized as the listener would.
    static func read(path: String, type: EventType?) throws -> Event {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "\(path): cannot read the file")
        }
        let json: JSON
        do {
            json = try JSONDecoder().decode(JSON.self, from: data)
        } catch {
            throw Problem(description: "\(path): not valid JSON (\(error))")
        }
        if let type {
            if let problem = typeProblem(type) { throw Problem(description: problem) }
            guard case .object = json else {
                throw Problem(description: "\(path): expected a JSON object, as the listener refuses any other body (400)")
            }
            return EventNormalizer.normalize(type: type, body: json, source: "simulate", deliveryID: nil)
        }
        guard case .object(let object) = json else { throw Problem(description: "\(path): expected a JSON object") }
        // A misspelt key (`subjet`, `chain-depth`) would otherwise be passed over, and the event tried
        // without it.
        if let unknown = object.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw Problem(
                description: "\(path): unknown key \"\(unknown)\" (an event file has: \(Self.fileKeys.joined(separator: ", ")))"
            )
        }
        guard let typeName = object["type"]?.stringValue, !typeName.isEmpty else {
            throw Problem(description: "\(path): missing \"type\" (or pass --type TYPE for a raw Avala body)")
        }
        if let problem = EventType(rawValue: typeName).nameProblem { throw Problem(description: "\(path): \"type\": \(problem)") }
        guard case .object(let data)? = object["data"] else {
            throw Problem(description: "\(path): missing \"data\" object")
        }
        func field<T>(_ name: String, _ what: String, _ read: (JSON) -> T?) throws -> T? {
            guard let value = object[name], value != .null else { return nil }
            guard let read = read(value) else { throw Problem(description: "\(path): \"\(name)\" must be \(what)") }
            return read
        }
        let source = try field("source", "webhook, poller or bot (the sender's name goes in \"origin\")") {
            $0.stringValue.flatMap(Event.Source.init(rawValue:))
        }
        let chainDepth = try field("chain_depth", "a whole number, 0 or more") { $0.intValue.flatMap { $0 >= 0 ? $0 : nil } }
        // Read as `events show` writes it: the body kept as it is, a subject under its kind normalized as a
        // delivery would be (a `bot.*` event's fields stay at the root, where its rules look for them).
        var event = EventNormalizer.botForm(
            type: EventType(rawValue: typeName),
            data: data,
            source: try field("origin", "a string", \.stringValue) ?? "file",
            deliveryID: nil,
            chainDepth: chainDepth ?? 0
        )
        // Without one, the source its type comes from (a member event is the members poller's).
        event.source = source ?? EventNormalizer.documentedSource(of: event.type)
        if let id = try field("id", "a non-empty string", { $0.stringValue.flatMap { $0.isEmpty ? nil : $0 } }) { event.id = id }
        if let time = try field("time", "an ISO 8601 time", { $0.stringValue.flatMap { try? Date($0, strategy: .iso8601) } }) {
            event.time = time
        }
        // Checked even when the body gives the subject, so a wrong one is named rather than passed over.
        let subject = try field("subject", "an object {kind, uid} with both non-empty") { value -> Event.Subject? in
            guard let kind = value["kind"]?.stringValue, !kind.isEmpty, let uid = value["uid"]?.stringValue, !uid.isEmpty else { return nil }
            return Event.Subject(kind: kind, uid: uid)
        }
        if event.subject == nil { event.subject = subject }
        event.replayOf = try field("replay_of", "a string", \.stringValue)
        return event
    }
}
