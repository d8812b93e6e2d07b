/// Thrown by a test's `afterPerform` hook to stop processing as a crash would.
public struct SimulatedCrash: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "simulated crash" }
}
