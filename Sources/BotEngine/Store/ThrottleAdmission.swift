public import Foundation

/// A rule's throttle admitting an event, as the journal keeps it: what a restarted dispatcher fills its
/// throttle windows with (``RuleThrottle/restore(_:limits:now:)``), so a restart does not reopen them.
public struct ThrottleAdmission: Hashable, Sendable {
    public var rule: String
    /// The rendered `throttle.key` (empty for a rule with one window).
    public var key: String
    public var eventID: String
    /// When the rule's first step for the event began.
    public var at: Date

    public init(rule: String, key: String, eventID: String, at: Date) {
        self.rule = rule
        self.key = key
        self.eventID = eventID
        self.at = at
    }
}
