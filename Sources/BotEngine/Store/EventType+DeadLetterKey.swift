public import BotKit

extension EventType {
    /// The semantic key of the `bot.action.dead_lettered` event a step raises (PRODUCT.md:
    /// `<type>:<step id>`). ``EventStore/retryDeadLetter(stepID:now:)`` forgets it, so that a retried step
    /// that fails again raises the event again instead of being a duplicate of its first failure.
    public static func deadLetterKey(stepID: String) -> String {
        "\(EventType.botActionDeadLettered.rawValue):\(stepID)"
    }
}
