/// A literal action parameter that the plugin's config cannot serve: `parameter` is its name in the
/// action (`receiver`), `message` says why, never with a secret in it.
public struct ParameterProblem: Hashable, Sendable, CustomStringConvertible {
    public var parameter: String
    public var message: String

    public init(_ parameter: String, _ message: String) {
        self.parameter = parameter
        self.message = message
    }

    public var description: String { "\(parameter): \(message)" }
}
