import Foundation

/// A command that could not do its work: an unknown id, a missing store or file, a config with errors, a
/// bot already running. Printed as one `Error: …` line, exit status 1.
///
/// Argument-parser's `ValidationError` is for bad command lines only: it adds the usage text and exits 64,
/// which tells a script (and a person) to fix the arguments when the arguments were fine. A malformed
/// option value (a `--since` that is no duration or time, a `--type` that is no glob) is a bad command
/// line: it is checked in the command's `validate()`, before any store or file is opened, so that it is
/// shown with that command's usage; what only the store or a file can answer is a `CommandFailure`.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// The usual first mistake (running from elsewhere than the checkout, or before writing a config):
    /// one line saying what to do, instead of the loader's "cannot read" and a second error after it.
    static func missingConfig(_ path: String) -> CommandFailure? {
        guard !FileManager.default.fileExists(atPath: path) else { return nil }
        return CommandFailure("no config file at \(path): pass --config PATH (config/avala-bot.yaml and config/examples/ are starting points)")
    }
}
