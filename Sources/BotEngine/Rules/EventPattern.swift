import BotKit

/// One entry of a rule's `on`: an exact event type, or a glob over type names (`export.*`, `bot.*`).
enum EventPattern: Sendable, CustomStringConvertible {
    case exact(EventType)
    case glob(Glob)

    func matches(_ type: EventType) -> Bool {
        switch self {
        case .exact(let exact): exact == type
        case .glob(let glob): glob.matches(type.rawValue)
        }
    }

    /// The known types this pattern matches: one or none for an exact type, any number for a glob.
    var knownTypes: [EventType] {
        EventType.known.filter(matches)
    }

    var description: String {
        switch self {
        case .exact(let type): type.rawValue
        case .glob(let glob): glob.pattern
        }
    }
}
