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
    /// For each parameter declared as a program's arguments (``ParameterSpec/arguments``), the indices
    /// of its items (0 for a single value) that start with `-` only because of what a template took from
    /// the event: the rule's author did not write an option there, the event's data did.
    public var optionsFromEvent: [String: [Int]]

    public init(
        action: String,
        parameters: [String: JSON],
        event: Event,
        rule: String,
        missingPaths: [String] = [],
        optionsFromEvent: [String: [Int]] = [:]
    ) {
        self.action = action
        self.parameters = parameters
        self.event = event
        self.rule = rule
        self.missingPaths = missingPaths
        self.optionsFromEvent = optionsFromEvent
    }

    /// A parameter as text, or nil when absent or empty.
    public func string(_ name: String) -> String? {
        guard let value = parameters[name], value != .null else { return nil }
        let text = value.text
        return text.isEmpty ? nil : text
    }
}
