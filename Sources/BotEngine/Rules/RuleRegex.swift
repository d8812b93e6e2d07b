import BotKit
import Synchronization

/// A `regex:` pattern, compiled once. Unanchored: it matches when found anywhere (write `^…$` for the
/// whole value).
///
/// Swift's `Regex` gives the clearest error messages for a bad pattern but is not `Sendable` (it compiles
/// its program lazily on first use), so the compiled value lives behind a `Mutex`; a match holds the lock
/// for a microsecond or two.
final class RuleRegex: Sendable {
    let pattern: String
    private let regex: Mutex<Regex<AnyRegexOutput>>

    private init(pattern: String, regex: consuming sending Regex<AnyRegexOutput>) {
        self.pattern = pattern
        self.regex = Mutex(regex)
    }

    static func compile(_ pattern: String) -> Result<RuleRegex, ConfigProblem> {
        do {
            return .success(RuleRegex(pattern: pattern, regex: try Regex(pattern)))
        } catch {
            return .failure(ConfigProblem("regex: bad regex \(JSON.string(pattern).compactJSON): \(error)"))
        }
    }

    func matches(_ text: String) -> Bool {
        regex.withLock { regex in text.firstMatch(of: regex) != nil }
    }
}
