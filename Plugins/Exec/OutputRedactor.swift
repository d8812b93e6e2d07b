import Foundation

/// Takes out of a program's output every value the exec config took from a `${…}` reference, before an
/// excerpt of it is kept in the outcome (journaled, logged, shown on /status).
///
/// A program that prints its environment or its arguments (a debug line, `env`, a failing `curl -v`)
/// would otherwise put the very tokens the config passed it there, which the config layer keeps out of
/// every message it writes itself. Literal config values are ordinary text and stay.
struct OutputRedactor: Sendable {
    static let placeholder = "[redacted]"
    /// Values shorter than this are left in: `${DEBUG}` holding `1` or `${MODE}` holding `on` would
    /// otherwise turn every such digit or word of the output into the placeholder, and a secret that
    /// short is not one.
    static let minimumLength = 4

    /// Longest first, so a value that contains another is replaced whole.
    let values: [String]

    init(_ referenced: some Sequence<String>) {
        values = Set(referenced).filter { $0.count >= Self.minimumLength }.sorted { ($0.count, $0) > ($1.count, $1) }
    }

    /// `text` with every value replaced by ``placeholder``.
    ///
    /// - Parameter cutAtStart: Whether `text` is the tail of a longer output: its start may then be the
    ///   end of a value cut in two, which is replaced too when at least ``minimumLength`` characters of
    ///   the value remain.
    func redact(_ text: String, cutAtStart: Bool) -> String {
        var text = text
        for value in values {
            text = text.replacingOccurrences(of: value, with: Self.placeholder)
        }
        guard cutAtStart else { return text }
        for value in values {
            for length in stride(from: value.count - 1, through: Self.minimumLength, by: -1) where text.hasPrefix(value.suffix(length)) {
                return Self.placeholder + text.dropFirst(length)
            }
        }
        return text
    }
}
