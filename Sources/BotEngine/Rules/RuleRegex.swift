import BotKit
import Synchronization

/// A `regex:` pattern, compiled once. Unanchored: it matches when found anywhere (write `^…$` for the
/// whole value).
///
/// Swift's `Regex` defines what a pattern means and gives the clearest error messages for a bad one, but
/// is not `Sendable` (it compiles its program lazily on first use), so the compiled value lives behind a
/// `Mutex`; a match holds the lock for a microsecond or two. Patterns and values inside the subset both
/// engines read alike are matched by ``POSIXRegex`` instead, several times faster.
final class RuleRegex: Sendable {
    let pattern: String
    private let regex: Mutex<Regex<AnyRegexOutput>>
    private let posix: POSIXRegex?

    private init(pattern: String, regex: consuming sending Regex<AnyRegexOutput>) {
        self.pattern = pattern
        self.regex = Mutex(regex)
        posix = POSIXRegex.compile(pattern)
    }

    static func compile(_ pattern: String) -> Result<RuleRegex, ConfigProblem> {
        do {
            return .success(RuleRegex(pattern: pattern, regex: try Regex(pattern)))
        } catch {
            return .failure(ConfigProblem("regex: bad regex \(JSON.string(pattern).compactJSON): \(error)"))
        }
    }

    func matches(_ text: String) -> Bool {
        if let posix, let found = posix.matches(text) { return found }
        return matchesWithSwiftRegex(text)
    }

    /// Swift's `Regex` alone: the reference ``POSIXRegex`` is tested against.
    func matchesWithSwiftRegex(_ text: String) -> Bool {
        regex.withLock { regex in text.firstMatch(of: regex) != nil }
    }

    /// Whether ``matches(_:)`` can take the faster engine for this pattern.
    var usesPOSIX: Bool { posix != nil }
}
