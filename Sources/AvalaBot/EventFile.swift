import BotEngine
import BotKit
import Foundation

/// An event written as a file (`simulate --event`, `events show`, the `forward` plugin's body):
/// `{"type": "export.completed", "id": "…", "source": "…", "time": "…", "data": {"export": {…}}}`.
enum EventFile {
    struct Problem: Error, CustomStringConvertible {
        let description: String
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
            return EventNormalizer.normalize(type: type, body: json, source: "simulate", deliveryID: nil)
        }
        guard case .object(let object) = json else { throw Problem(description: "\(path): expected a JSON object") }
        guard let typeName = object["type"]?.stringValue, !typeName.isEmpty else {
            throw Problem(description: "\(path): missing \"type\" (or pass --type TYPE for a raw Avala body)")
        }
        guard let body = object["data"], body.objectValue != nil else {
            throw Problem(description: "\(path): missing \"data\" object")
        }
        var event = EventNormalizer.normalize(
            type: EventType(rawValue: typeName),
            body: body,
            source: object["source"]?.stringValue ?? "file",
            deliveryID: nil
        )
        if let id = object["id"]?.stringValue { event.id = id }
        if let time = object["time"]?.stringValue, let date = try? Date(time, strategy: .iso8601) { event.time = date }
        if let depth = object["chain_depth"]?.intValue { event.chainDepth = depth }
        return event
    }
}
