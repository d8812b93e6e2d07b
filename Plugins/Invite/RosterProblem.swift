/// Something wrong with a roster file, naming the file and line: an error the reconcile stops at, or a
/// warning about what it reads otherwise than the file seems to say (a column it does not read, an
/// address listed twice, one outside `allowed_domains`), which `check-config` reports too.
public struct RosterProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    public let isWarning: Bool

    init(description: String, isWarning: Bool = false) {
        self.description = description
        self.isWarning = isWarning
    }
}
