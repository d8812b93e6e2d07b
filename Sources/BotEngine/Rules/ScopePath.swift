import BotKit

/// A dotted path into an event's scope (`export.format`, `event.type`, `items.0.uid`), split once at load.
///
/// It resolves against the ``Event`` itself rather than against ``Event/scope``, so that matching never
/// builds the scope object nor formats the event's time unless a path asks for `event.time`; the result
/// is the same as `event.scope[path: text]`.
struct ScopePath: Hashable, Sendable, CustomStringConvertible {
    let text: String
    let components: [String]

    /// The fields of the reserved `event` key, as ``Event/scope`` builds them.
    static let eventFields = ["id", "type", "source", "origin", "time", "subject", "chain_depth", "replay_of"]

    /// - Returns: nil when a component is empty (`export..format`, `.uid`).
    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains(where: \.isEmpty) else { return nil }
        self.text = text
        self.components = parts
    }

    var description: String { text }

    /// The first component: the body key (or `event`) the path starts from.
    var root: String { components[0] }

    /// The value at this path, or nil when any step is missing. Null values are returned as `.null`.
    func resolve(in event: Event) -> JSON? {
        var current: JSON
        if components[0] == "event" {
            guard components.count > 1 else { return event.scope["event"] }
            guard let field = Self.eventField(components[1], of: event) else { return nil }
            current = field
            return Self.descend(current, components.dropFirst(2))
        }
        switch event.data {
        case .object(let body):
            guard let value = body[components[0]] else { return nil }
            current = value
        default:
            // A body that is not an object sits under `payload`, as `Event.scope` puts it.
            guard components[0] == "payload" else { return nil }
            current = event.data
        }
        return Self.descend(current, components.dropFirst())
    }

    /// The value at this path in an already built scope (templates use one scope for every action).
    func resolve(in scope: JSON) -> JSON? {
        Self.descend(scope, components[...])
    }

    static func descend(_ start: JSON, _ rest: ArraySlice<String>) -> JSON? {
        var current = start
        for component in rest {
            switch current {
            case .object(let object):
                guard let next = object[component] else { return nil }
                current = next
            case .array(let array):
                guard let index = Int(component), array.indices.contains(index) else { return nil }
                current = array[index]
            default: return nil
            }
        }
        return current
    }

    private static func eventField(_ name: String, of event: Event) -> JSON? {
        switch name {
        case "id": .string(event.id)
        case "type": .string(event.type.rawValue)
        case "source": .string(event.source.rawValue)
        case "origin": .string(event.origin)
        case "time": .string(Event.timestamp(event.time))
        case "chain_depth": .number(Double(event.chainDepth))
        case "replay_of": event.replayOf.map(JSON.string) ?? .null
        case "subject": event.subject.map { ["kind": .string($0.kind), "uid": .string($0.uid)] } ?? .null
        default: nil
        }
    }
}
