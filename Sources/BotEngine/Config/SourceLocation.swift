/// Where something was written: file, line and column (1-based).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int = 1) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `config/avala-bot.yaml:14`
    public var description: String { "\(file):\(line)" }
}
