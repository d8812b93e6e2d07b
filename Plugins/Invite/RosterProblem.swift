/// Something wrong with a roster file, naming the file and line: an error the reconcile stops at, or a
/// warning about what it reads otherwise than the file seems to say (a column it does not read, an
/// address listed twice, one outside `allowed_domains`), which `check-config` reports too.
public struct RosterProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    public let isWarning: Bool
    /// A warning's file and line and what it says there, apart, as the reconcile logs them.
    public let file: String?
    public let line: Int?
    public let reason: String

    init(description: String, isWarning: Bool = false) {
        self.description = description
        self.isWarning = isWarning
        file = nil
        line = nil
        reason = description
    }

    /// A warning at `file`'s `line`: `file:line: reason`.
    init(warning reason: String, file: String, line: Int) {
        description = "\(file):\(line): \(reason)"
        isWarning = true
        self.file = file
        self.line = line
        self.reason = reason
    }
}
