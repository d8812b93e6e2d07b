extension BotPlugin {
    /// No problems: a plugin whose parameters do not name anything in its config needs no check.
    ///
    /// Override it when a parameter names something the plugin's config must define (a receiver, a
    /// command, a target): a typo there would otherwise pass `check-config` and only fail each event as
    /// a dead letter. It is called once per `do:` entry at load, on the plugin built from its config,
    /// with the parameters written without any `{{` template (templated ones are checked when rendered).
    ///
    /// ```swift
    /// func literalParameterProblems(action: String, parameters: [String: JSON]) -> [ParameterProblem] {
    ///     guard let name = parameters["receiver"]?.stringValue, receivers[name] == nil else { return [] }
    ///     return [ParameterProblem("receiver", "unknown receiver '\(name)'; configured: \(receivers.keys.sorted())")]
    /// }
    /// ```
    public func literalParameterProblems(action: String, parameters: [String: JSON]) -> [ParameterProblem] { [] }

    /// Nil: no parameter names something the plugin's config defines.
    ///
    /// Override it alongside ``literalParameterProblems(action:parameters:)`` for the parameters that
    /// name a receiver, command or target: a templated value (`receiver: "ops-{{project.team}}"`) is not
    /// known until the action runs, but its literal start and end are, and when no configured name has
    /// them every run would fail. The names are the ones the action would accept at run time.
    ///
    /// ```swift
    /// func configuredNames(action: String, parameter: String) -> [String]? {
    ///     parameter == "receiver" ? receivers.keys.sorted() : nil
    /// }
    /// ```
    public func configuredNames(action: String, parameter: String) -> [String]? { nil }
}
