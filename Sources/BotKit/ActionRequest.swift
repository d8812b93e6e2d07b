/// One action to run: which, with what rendered parameters, for which event and rule.
public struct ActionRequest: Hashable, Sendable {
    /// The action's name (`send`, `resend`).
    public var action: String
    /// Parameters rendered from the event's templates.
    public var parameters: [String: JSON]
    public var event: Event
    /// The rule's name.
    public var rule: String
    /// Template paths that rendered empty, named in the outcome.
    public var missingPaths: [String]

    public init(action: String, parameters: [String: JSON], event: Event, rule: String, missingPaths: [String] = []) {
        self.action = action
        self.parameters = parameters
        self.event = event
        self.rule = rule
        self.missingPaths = missingPaths
    }

    /// A parameter as text, or nil when absent or empty.
    public func string(_ name: String) -> String? {
        guard let value = parameters[name], value != .null else { return nil }
        let text = value.text
        return text.isEmpty ? nil : text
    }
}
