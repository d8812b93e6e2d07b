/// What one claim took: the events to run, and how many events no rule routes it finished on the way.
public struct ClaimedEvents: Sendable, Equatable {
    /// Marked running, oldest first; the dispatcher runs their actions.
    public var routed: [StoredEvent]
    /// Marked done in the same write, without being read back.
    public var finishedUnrouted: Int

    public init(routed: [StoredEvent] = [], finishedUnrouted: Int = 0) {
        self.routed = routed
        self.finishedUnrouted = finishedUnrouted
    }
}
