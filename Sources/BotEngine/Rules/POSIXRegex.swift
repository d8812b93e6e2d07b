import Foundation
import Synchronization

/// The C library's extended regular expressions (`regcomp`/`regexec`), for the `regex:` patterns where
/// they give the same answer as Swift's `Regex` (`POSIXRegexTests` compares the two on generated
/// patterns): about six times faster per evaluation (0.1 – 0.15 µs against 0.8 – 1.0 µs for short
/// patterns, measured on this project's machine), which is most of what a rule set with many regexes
/// spends per event.
///
/// The two syntaxes differ (`\d` is a literal `d` to POSIX; `[a&&b]` is an intersection to Swift), so a
/// pattern is compiled here only when it stays inside a small subset both read the same way — see
/// ``compile(_:)`` — and a value is matched here when it holds no control character or line break: each
/// character outside ASCII stands as one placeholder byte (see ``withPlaceholders(_:)``). Everything else
/// goes to Swift's `Regex`. Besides speed, this keeps most values away from Swift's backtracking, which
/// can take exponential time on a nested repetition such as `(a+)+`; glibc's matcher does not. Whether a match
/// exists does not depend on POSIX choosing the longest match where Swift chooses the first.
final class POSIXRegex: Sendable {
    /// glibc's `regexec` takes a lock inside the `regex_t`; the mutex keeps to one caller at a time
    /// anyway, and `deinit` frees it once.
    private let compiled: Mutex<UnsafeMutablePointer<regex_t>>

    private init(compiled: sending UnsafeMutablePointer<regex_t>) {
        self.compiled = Mutex(compiled)
    }

    deinit {
        compiled.withLock { compiled in
            regfree(compiled)
            compiled.deallocate()
        }
    }

    /// The pattern compiled for `regexec`, or nil when it is outside the shared subset (or `regcomp`
    /// refuses it): then only Swift's `Regex` may judge it.
    ///
    /// The subset, in printable ASCII: literal letters, digits, space and `-_@/:,=#%'"!<>;`; `.`; a
    /// backslash before one of `.^$*+?()[]{}|\/-`; bracket classes of letters, digits, `_@/:,=#%'".`
    /// and ranges within one of a-z, A-Z, 0-9 (`^` to negate first, `-` only first or last); groups
    /// that do not start with `?`; `|` between non-empty branches; one quantifier per atom — `*`, `+`,
    /// `?`, `{n}`, `{n,}` or `{n,m}` up to 100, never followed by `?` or `+` (lazy and possessive forms
    /// are Swift's alone); `^` only at the start and `$` only at the end of a top-level branch.
    static func compile(_ pattern: String) -> POSIXRegex? {
        var parser = SubsetParser(Array(pattern.utf8))
        guard parser.parsePattern() else { return nil }
        let compiled = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
        guard regcomp(compiled, pattern, REG_EXTENDED | REG_NOSUB) == 0 else {
            compiled.deallocate()
            return nil
        }
        return POSIXRegex(compiled: compiled)
    }

    /// Whether `text` holds a match, or nil when `text` holds a control character or a line break
    /// (Swift's `Regex` decides then).
    func matches(_ text: String) -> Bool? {
        if text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) {
            // `withCString` gives the NUL-terminated bytes `regexec` reads; printable ASCII holds no NUL.
            return compiled.withLock { compiled in text.withCString { regexec(compiled, $0, 0, nil, 0) == 0 } }
        }
        guard let bytes = Self.withPlaceholders(text) else { return nil }
        return compiled.withLock { compiled in bytes.withUnsafeBufferPointer { regexec(compiled, $0.baseAddress, 0, nil, 0) == 0 } }
    }

    /// The byte that stands for a character outside ASCII.
    static let placeholder: CChar = 0x01

    /// `text` with each character (grapheme cluster) outside printable ASCII as one ``placeholder`` byte,
    /// NUL-terminated; nil when it holds a control character or a line break.
    ///
    /// Swift's `Regex` matches whole characters: `é`, `e` + U+0301 or `👍🏽` is one character, which no
    /// literal or class of the subset (all printable ASCII) can match, while `.` and a negated class
    /// match it once. A byte that is not printable ASCII behaves exactly so for `regexec`; a newline
    /// would not (`.` does not match one in Swift), hence nil.
    static func withPlaceholders(_ text: String) -> [CChar]? {
        var bytes: [CChar] = []
        bytes.reserveCapacity(text.utf8.count + 1)
        for character in text {
            if let ascii = character.asciiValue {
                // "\r\n" is one character with the ASCII value of "\n": excluded with the other controls.
                guard (0x20...0x7E).contains(ascii) else { return nil }
                bytes.append(CChar(ascii))
            } else {
                guard !character.isNewline, !character.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
                else { return nil }
                bytes.append(placeholder)
            }
        }
        bytes.append(0)
        return bytes
    }

    /// Why `pattern` cannot be a `regex:`: it holds a bracket expression written `[:alpha:]`, `[=a=]` or
    /// `[.a.]` (after `[` or `[^`), a character class, equivalence class or collating element without the
    /// outer brackets it belongs in; nil when it holds none.
    ///
    /// POSIX leaves these undefined, and the engines do disagree: Swift's `Regex` reads `[:alpha:]` as the
    /// class, glibc as the characters `:alph`, so a rule would match differently on the two paths. A user
    /// nearly always meant `[[:alpha:]]`, which is what the message suggests. Only the delimited form is
    /// refused: `[.]`, `[^:]` or `[:;]` are ordinary classes.
    static func bareBracketProblem(in pattern: String) -> String? {
        let bytes = Array(pattern.utf8)
        var index = 0
        var depth = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"):
                index += 2
                continue
            case UInt8(ascii: "[") where depth == 0:
                if let end = bareBracketEnd(in: bytes, from: index) {
                    return bareBracketMessage(Array(bytes[index...end]))
                }
                depth = 1
                index += 1
                // A `]` right after `[` or `[^` is a member, not the end.
                if index < bytes.count, bytes[index] == UInt8(ascii: "^") { index += 1 }
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1 }
                continue
            case UInt8(ascii: "["):
                // A class inside a class (`[[:alpha:]_]`, Swift's nested sets) holds nothing refused.
                depth += 1
            case UInt8(ascii: "]") where depth > 0:
                depth -= 1
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// The index of the `]` that ends a bracket expression written `[:…:]`, `[=…=]` or `[.….]` (or with
    /// `^` first) opening at `open`, or nil when the one there is not written so.
    static func bareBracketEnd(in bytes: [UInt8], from open: Int) -> Int? {
        var start = open + 1
        if start < bytes.count, bytes[start] == UInt8(ascii: "^") { start += 1 }
        guard start < bytes.count, Set(":=.".utf8).contains(bytes[start]) else { return nil }
        let delimiter = bytes[start]
        // Something between the delimiters: `[:]` and `[..]` are ordinary classes.
        guard let end = bytes[(start + 1)...].firstIndex(of: UInt8(ascii: "]")), end - 1 > start + 1, bytes[end - 1] == delimiter,
            !bytes[(start + 1)..<(end - 1)].contains(UInt8(ascii: "["))
        else { return nil }
        return end
    }

    /// The refusal of a bracket expression ``bareBracketEnd(in:from:)`` found, with the form meant.
    private static func bareBracketMessage(_ written: [UInt8]) -> String {
        let negated = written[1] == UInt8(ascii: "^")
        let caret = negated ? "^" : ""
        let delimiter = written[negated ? 2 : 1]
        let inner = String(decoding: written.dropFirst(negated ? 2 : 1).dropLast(), as: UTF8.self)
        let name = String(inner.dropFirst().dropLast())
        let text = String(decoding: written, as: UTF8.self)
        let what: String
        let meant: String
        switch delimiter {
        case UInt8(ascii: ":"):
            what = "a character class"
            meant = "write \"[\(caret)[\(inner)]]\" for the class \(name)"
        case UInt8(ascii: "="):
            what = "an equivalence class"
            meant = "write \"[\(caret)[\(inner)]]\" for the equivalence class of \(name)"
        default:
            what = "a collating element"
            meant = "to match the characters, write each once, as \"[\(caret)\(name).]\""
        }
        return "\"\(text)\" is \(what) only inside a bracket expression (POSIX leaves this form undefined); \(meant)"
    }

    /// Recognises the shared subset (the grammar in ``POSIXRegex/compile(_:)``) over the pattern's bytes.
    struct SubsetParser {
        private let bytes: [UInt8]
        private var index = 0

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
        }

        private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        }

        private static let literalPunctuation = Set(" -_@/:,=#%'\"!<>;".utf8)
        private static let escapable = Set(#".^$*+?()[]{}|\/-"#.utf8)
        private static let classPunctuation = Set("_@/:,=#%'\".".utf8)

        mutating func parsePattern() -> Bool {
            guard parseAlternation(topLevel: true) else { return false }
            return index == bytes.count
        }

        private mutating func parseAlternation(topLevel: Bool) -> Bool {
            guard parseBranch(topLevel: topLevel) else { return false }
            while current == UInt8(ascii: "|") {
                index += 1
                guard parseBranch(topLevel: topLevel) else { return false }
            }
            return true
        }

        /// At least one quantified atom; anchors only around a top-level branch.
        private mutating func parseBranch(topLevel: Bool) -> Bool {
            if topLevel && current == UInt8(ascii: "^") { index += 1 }
            var pieces = 0
            while let byte = current, byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
                if topLevel && byte == UInt8(ascii: "$") {
                    index += 1
                    // `$` ends the branch: the pattern ends or another branch starts.
                    return pieces > 0 && (current == nil || current == UInt8(ascii: "|"))
                }
                guard parseAtom(), parseQuantifier() else { return false }
                pieces += 1
            }
            return pieces > 0
        }

        private mutating func parseAtom() -> Bool {
            guard let byte = current else { return false }
            switch byte {
            case UInt8(ascii: "."):
                index += 1
                return true
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count, Self.escapable.contains(bytes[index + 1]) else { return false }
                index += 2
                return true
            case UInt8(ascii: "["):
                return parseClass()
            case UInt8(ascii: "("):
                index += 1
                guard current != UInt8(ascii: "?"), parseAlternation(topLevel: false), current == UInt8(ascii: ")") else { return false }
                index += 1
                return true
            default:
                guard Self.isLetterOrDigit(byte) || Self.literalPunctuation.contains(byte) else { return false }
                index += 1
                return true
            }
        }

        /// `[`, optional `^`, items, `]`: an item is a class character or a range within one of a-z,
        /// A-Z, 0-9; `-` is literal only as the first or last item.
        private mutating func parseClass() -> Bool {
            // `[:alpha:]` and its kin mean one thing to Swift's `Regex` and another to glibc.
            guard POSIXRegex.bareBracketEnd(in: bytes, from: index) == nil else { return false }
            index += 1
            if current == UInt8(ascii: "^") { index += 1 }
            var items = 0
            while let byte = current, byte != UInt8(ascii: "]") {
                if byte == UInt8(ascii: "-") {
                    let last = index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "]")
                    guard items == 0 || last else { return false }
                    index += 1
                    items += 1
                    continue
                }
                guard Self.isLetterOrDigit(byte) || Self.classPunctuation.contains(byte) else { return false }
                index += 1
                if current == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] != UInt8(ascii: "]") {
                    let upper = bytes[index + 1]
                    guard Self.sameRangeKind(byte, upper), byte <= upper else { return false }
                    index += 2
                }
                items += 1
            }
            guard current == UInt8(ascii: "]"), items > 0 else { return false }
            index += 1
            return true
        }

        private static func sameRangeKind(_ lower: UInt8, _ upper: UInt8) -> Bool {
            for kind in [UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z")]
            where kind.contains(lower) && kind.contains(upper) {
                return true
            }
            return false
        }

        /// At most one quantifier, and nothing after it that would make it lazy, possessive or stacked.
        private mutating func parseQuantifier() -> Bool {
            switch current {
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
                index += 1
            case UInt8(ascii: "{"):
                index += 1
                guard let lower = parseNumber() else { return false }
                if current == UInt8(ascii: ",") {
                    index += 1
                    if current != UInt8(ascii: "}") {
                        guard let upper = parseNumber(), lower <= upper else { return false }
                    }
                }
                guard current == UInt8(ascii: "}") else { return false }
                index += 1
            default:
                return true
            }
            guard let next = current else { return true }
            return ![UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{")].contains(next)
        }

        /// 0 to 100, at most three digits.
        private mutating func parseNumber() -> Int? {
            var value = 0
            var digits = 0
            while let byte = current, (0x30...0x39).contains(byte), digits < 3 {
                value = value * 10 + Int(byte - 0x30)
                digits += 1
                index += 1
            }
            guard digits > 0, value <= 100, !(current.map { (0x30...0x39).contains($0) } ?? false) else { return nil }
            return value
        }
    }
}
