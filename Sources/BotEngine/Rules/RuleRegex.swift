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
        if let problem = POSIXRegex.bareBracketProblem(in: pattern) {
            return .failure(ConfigProblem("regex: bad regex \(JSON.string(pattern).compactJSON): \(problem)"))
        }
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

    /// Whether a group repeated without bound holds an alternation whose branches can start alike, as in
    /// `^(\w|\d)+$`: as exponential for Swift's `Regex` as a nested repetition (``RegexBranchOverlap``).
    /// The rule compiler warns about it.
    var repeatsOverlappingBranches: Bool { RegexBranchOverlap.repeatsOverlappingBranches(pattern) }

    /// Whether a repeated group (`*`, `+` or `{…}` after `)`) holds a repetition itself, as in `(a+)+`:
    /// Swift's backtracking `Regex` can take exponential time on such a pattern (`((a*)*){0,2}b` took
    /// 6 s on 18 `a`s, doubling with each one), and a match runs on the dispatcher. The rule compiler
    /// warns about it.
    var nestsRepetition: Bool {
        var groups: [Bool] = []  // per open group: whether it holds a repetition
        var bytes = Array(pattern.utf8)[...]
        var inClass = false
        func isRepetition(_ byte: UInt8?) -> Bool {
            byte == UInt8(ascii: "*") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "{")
        }
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "\\") {
                let escaped = bytes.popFirst()
                // The braces of `\p{L}`, `\x{41}` or `\u{e9}` hold an argument, not a repetition (`\d{2}`'s do).
                if let escaped, Set("pPxuoNkg".utf8).contains(escaped), bytes.first == UInt8(ascii: "{"),
                    let close = bytes.firstIndex(of: UInt8(ascii: "}"))
                {
                    bytes = bytes[(close + 1)...]
                }
                continue
            }
            if inClass {
                if byte == UInt8(ascii: "]") { inClass = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "["):
                inClass = true
                // A `]` right after `[` or `[^` is a member, not the end.
                if bytes.first == UInt8(ascii: "^") { bytes.removeFirst() }
                if bytes.first == UInt8(ascii: "]") { bytes.removeFirst() }
            case UInt8(ascii: "("):
                groups.append(false)
            case UInt8(ascii: ")"):
                guard let inner = groups.popLast() else { continue }
                let repeated = isRepetition(bytes.first)
                if repeated && inner { return true }
                if repeated || inner, !groups.isEmpty { groups[groups.count - 1] = true }
            default:
                if isRepetition(byte), !groups.isEmpty { groups[groups.count - 1] = true }
            }
        }
        return false
    }
}
