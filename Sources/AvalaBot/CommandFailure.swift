/// A command that could not do its work: an unknown id, a missing store or file, a config with errors, a
/// bot already running. Printed as one `Error: …` line, exit status 1.
///
/// Argument-parser's `ValidationError` is for bad command lines only: it adds the usage text and exits 64,
/// which tells a script (and a person) to fix the arguments when the arguments were fine.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
