/// A roster file as read: the people in the order listed, the line each starts on, and the warnings
/// about it (see ``Roster/read(_:file:)``).
struct RosterContents: Sendable {
    var entries: [Roster.Entry] = []
    /// `lines[i]` is where `entries[i]` is written.
    var lines: [Int] = []
    var warnings: [RosterProblem] = []
}
