/// What one cycle of a poller did: for the loop's log line, metrics and tests.
public struct PollCycle: Sendable, Hashable {
    /// Requests sent to the API (each page of a listing counts once).
    public var apiCalls: Int
    /// Events offered to the store.
    public var raised: Int
    /// Of those, the ones the store kept as new (the rest were already known by a key).
    public var stored: Int
    /// The first cycle only recorded what exists.
    public var baseline: Bool
    /// A listing stopped at the page cap, so part of it was not read.
    public var truncated: Bool

    public init(apiCalls: Int = 0, raised: Int = 0, stored: Int = 0, baseline: Bool = false, truncated: Bool = false) {
        self.apiCalls = apiCalls
        self.raised = raised
        self.stored = stored
        self.baseline = baseline
        self.truncated = truncated
    }
}
