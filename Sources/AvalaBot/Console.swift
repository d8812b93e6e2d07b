import Foundation
import Synchronization

/// What the commands print for people (the log goes to standard error).
enum Console {
    /// Set in tests: lines go here instead of standard output.
    @TaskLocal static var capture: Capture?

    /// Lines a command printed, for tests.
    final class Capture: Sendable {
        private let lines = Mutex<[String]>([])
        private let noteLines = Mutex<[String]>([])
        init() {}
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        func appendNote(_ line: String) { noteLines.withLock { $0.append(line) } }
        var text: String { lines.withLock { $0.joined(separator: "\n") } }
        /// What went to standard error through ``Console/note(_:)``.
        var notes: String { noteLines.withLock { $0.joined(separator: "\n") } }
    }

    /// Writes one line to standard output at once, unbuffered, so a pipe sees it immediately.
    static func line(_ text: String) {
        if let capture {
            capture.append(text)
            return
        }
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// A line for the person at the terminal that must stay out of standard output, where a `--json`
    /// command writes only its objects: it goes to standard error.
    static func note(_ text: String) {
        if let capture {
            capture.appendNote(text)
            return
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
