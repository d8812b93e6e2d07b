/// What is wrong with one config value, before the compiler adds where it is: the message of a
/// ``ConfigDiagnostic``.
struct ConfigProblem: Error, Hashable, Sendable, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
