import Foundation

/// What the commands print for people (the log goes to standard error).
enum Console {
    /// Writes one line to standard output at once, unbuffered, so a pipe sees it immediately.
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
