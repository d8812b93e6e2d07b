/// Finds a group repeated without bound (`*`, `+`, `{n,}`) whose alternation has two branches that can
/// start with the same character, as in `^(\w|\d)+$`: Swift's backtracking `Regex` tries every way of
/// splitting a value between such branches, so a value that almost matches (`"1111111111111111111!"`)
/// takes exponential time, and a match runs on the dispatcher. The rule compiler warns about it.
///
/// The check is deliberately simple: it compares the sets of characters each branch can start with.
/// That finds what matters (overlapping single-character branches, `(a|ab)+`) and leaves alone the
/// common safe forms whose branches start differently (`^(foo|bar)+$`, `(\d|\D)+`). Sets are kept
/// exactly for ASCII and as one "anything else" flag beyond it. Whatever it cannot read (a
/// backreference, `\p{…}`, a lookaround, set operations in a class) counts as not overlapping, to keep
/// false warnings rare; an atomic group or a possessive quantifier cannot backtrack, so neither counts.
struct RegexBranchOverlap {
    /// A set of characters: ASCII exactly, everything beyond it as one flag.
    struct Characters: Equatable {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var beyondASCII = false

        static let all = Characters(low: .max, high: .max, beyondASCII: true)

        init(low: UInt64 = 0, high: UInt64 = 0, beyondASCII: Bool = false) {
            self.low = low
            self.high = high
            self.beyondASCII = beyondASCII
        }

        init(_ characters: String) {
            for byte in characters.utf8 { insert(byte) }
        }

        mutating func insert(_ byte: UInt8) {
            if byte >= 0x80 {
                beyondASCII = true
            } else if byte < 64 {
                low |= 1 << UInt64(byte)
            } else {
                high |= 1 << UInt64(byte - 64)
            }
        }

        mutating func insert(_ range: ClosedRange<UInt8>) {
            for byte in range { insert(byte) }
        }

        func union(_ other: Characters) -> Characters {
            Characters(low: low | other.low, high: high | other.high, beyondASCII: beyondASCII || other.beyondASCII)
        }

        /// The complement; what lies beyond ASCII stays possible, as the negated class matches some of it.
        var inverted: Characters { Characters(low: ~low, high: ~high, beyondASCII: true) }

        func intersects(_ other: Characters) -> Bool {
            low & other.low != 0 || high & other.high != 0 || (beyondASCII && other.beyondASCII)
        }

        static let digits: Characters = {
            var set = Characters()
            set.insert(UInt8(ascii: "0")...UInt8(ascii: "9"))
            return set
        }()

        static let word: Characters = {
            var set = digits
            set.insert(UInt8(ascii: "a")...UInt8(ascii: "z"))
            set.insert(UInt8(ascii: "A")...UInt8(ascii: "Z"))
            set.insert(UInt8(ascii: "_"))
            set.beyondASCII = true
            return set
        }()

        static let space: Characters = {
            var set = Characters(" \t\n\r\u{0B}\u{0C}")
            set.beyondASCII = true
            return set
        }()
    }

    /// Whether `pattern` repeats, without bound, an alternation whose branches can start alike.
    static func repeatsOverlappingBranches(_ pattern: String) -> Bool {
        var scanner = RegexBranchOverlap(bytes: Array(pattern.utf8))
        _ = scanner.alternation()
        return scanner.found
    }

    private let bytes: [UInt8]
    private var index = 0
    private var found = false

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// Branches up to the `)` that ends the group, or the end; each as the set it can start with, nil
    /// when that is unknown or the branch can match empty text.
    private mutating func alternation() -> [Characters?] {
        var branches = [branch()]
        while current == UInt8(ascii: "|") {
            index += 1
            branches.append(branch())
        }
        return branches
    }

    private mutating func branch() -> Characters? {
        var first = Characters()
        // Nil once the first character is decided (or unknown); until then, optional pieces add to it.
        var open = true
        var known = true
        while let byte = current, byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
            let atom = self.atom()
            let optional = quantifier()
            guard open else { continue }
            switch atom {
            case .zeroWidth: continue
            case .unknown: known = false
            case .characters(let characters): first = first.union(characters)
            }
            if !optional || !known { open = false }
        }
        // A branch that can match empty text starts with nothing in particular.
        return known && !open ? first : nil
    }

    private enum Atom {
        case characters(Characters)
        case zeroWidth
        case unknown
    }

    private mutating func atom() -> Atom {
        guard let byte = current else { return .unknown }
        index += 1
        switch byte {
        case UInt8(ascii: "."): return .characters(.all)
        case UInt8(ascii: "^"), UInt8(ascii: "$"): return .zeroWidth
        case UInt8(ascii: "\\"): return escape()
        case UInt8(ascii: "["): return characterClass().map(Atom.characters) ?? .unknown
        case UInt8(ascii: "("): return group()
        default:
            var characters = Characters()
            characters.insert(byte)
            // The rest of a character beyond ASCII.
            while let next = current, next & 0xC0 == 0x80 { index += 1 }
            return .characters(characters)
        }
    }

    /// After `\`.
    private mutating func escape() -> Atom {
        guard let byte = current else { return .unknown }
        index += 1
        switch byte {
        case UInt8(ascii: "d"): return .characters(.digits)
        case UInt8(ascii: "D"): return .characters(Characters.digits.inverted)
        case UInt8(ascii: "w"): return .characters(.word)
        case UInt8(ascii: "W"): return .characters(Characters.word.inverted)
        case UInt8(ascii: "s"): return .characters(.space)
        case UInt8(ascii: "S"): return .characters(Characters.space.inverted)
        case UInt8(ascii: "t"): return .characters(Characters("\t"))
        case UInt8(ascii: "n"): return .characters(Characters("\n"))
        case UInt8(ascii: "r"): return .characters(Characters("\r"))
        case UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "A"), UInt8(ascii: "z"), UInt8(ascii: "Z"), UInt8(ascii: "G"):
            return .zeroWidth
        case UInt8(ascii: "Q"):
            // Quoted text up to `\E`: its first character is known, but rarely matters here.
            while index < bytes.count, !(bytes[index] == UInt8(ascii: "\\") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "E")) {
                index += 1
            }
            index = min(index + 2, bytes.count)
            return .unknown
        default:
            if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (0x30...0x39).contains(byte) {
                // `\p{…}`, `\x41`, `\u{…}`, a backreference: not read. A braced argument is skipped.
                if current == UInt8(ascii: "{"), let close = bytes[index...].firstIndex(of: UInt8(ascii: "}")) { index = close + 1 }
                return .unknown
            }
            var characters = Characters()
            characters.insert(byte)
            return .characters(characters)
        }
    }

    /// After `[`, through its `]`: the set it matches, or nil when it holds what is not read here.
    private mutating func characterClass() -> Characters? {
        var set = Characters()
        var readable = true
        let negated = current == UInt8(ascii: "^")
        if negated { index += 1 }
        var firstItem = true
        while let byte = current, byte != UInt8(ascii: "]") || firstItem {
            firstItem = false
            index += 1
            switch byte {
            case UInt8(ascii: "["):
                if let name = posixClassName() {
                    guard let named = Self.posixClass(name) else {
                        readable = false
                        continue
                    }
                    set = set.union(named)
                } else if let nested = characterClass() {
                    set = set.union(nested)
                } else {
                    readable = false
                }
            case UInt8(ascii: "\\"):
                switch escape() {
                case .characters(let characters): set = set.union(characters)
                case .zeroWidth, .unknown: readable = false
                }
            case UInt8(ascii: "&") where current == UInt8(ascii: "&"), UInt8(ascii: "~") where current == UInt8(ascii: "~"):
                // Set operations (`&&`, `~~`): not read.
                readable = false
            case UInt8(ascii: "-") where current == UInt8(ascii: "-"):
                readable = false
            default:
                if current == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] != UInt8(ascii: "]"),
                    bytes[index + 1] != UInt8(ascii: "["), bytes[index + 1] != UInt8(ascii: "\\")
                {
                    let upper = bytes[index + 1]
                    index += 2
                    if byte <= upper { set.insert(byte...upper) }
                } else {
                    set.insert(byte)
                }
            }
        }
        if current == UInt8(ascii: "]") { index += 1 }
        guard readable else { return nil }
        return negated ? set.inverted : set
    }

    /// After a `[` inside a class: the name of a `[:name:]` there, which it passes; nil otherwise.
    private mutating func posixClassName() -> String? {
        guard current == UInt8(ascii: ":"),
            let end = bytes[index...].firstIndex(of: UInt8(ascii: "]")), end - 1 > index, bytes[end - 1] == UInt8(ascii: ":")
        else { return nil }
        let name = String(decoding: bytes[(index + 1)..<(end - 1)], as: UTF8.self)
        index = end + 1
        return name
    }

    private static func posixClass(_ name: String) -> Characters? {
        var set = Characters()
        switch name {
        case "digit": return .digits
        case "space": return .space
        case "word": return .word
        case "alpha", "alnum", "upper", "lower", "xdigit":
            if name == "alnum" || name == "xdigit" { set = .digits }
            if name == "xdigit" {
                set.insert(UInt8(ascii: "a")...UInt8(ascii: "f"))
                set.insert(UInt8(ascii: "A")...UInt8(ascii: "F"))
                return set
            }
            if name != "upper" { set.insert(UInt8(ascii: "a")...UInt8(ascii: "z")) }
            if name != "lower" { set.insert(UInt8(ascii: "A")...UInt8(ascii: "Z")) }
            set.beyondASCII = true
            return set
        default: return nil
        }
    }

    /// After `(`, through its `)` and quantifier check: the set the group starts with.
    private mutating func group() -> Atom {
        var checked = true
        if current == UInt8(ascii: "?") {
            index += 1
            switch current {
            case UInt8(ascii: ":"):
                index += 1
            case UInt8(ascii: "<") where index + 1 < bytes.count && bytes[index + 1] != UInt8(ascii: "=") && bytes[index + 1] != UInt8(ascii: "!"),
                UInt8(ascii: "P"), UInt8(ascii: "'"):
                // A named group.
                let close: UInt8 = current == UInt8(ascii: "'") ? UInt8(ascii: "'") : UInt8(ascii: ">")
                index += 1
                if let end = bytes[index...].firstIndex(of: close) { index = end + 1 }
            default:
                // Lookarounds, atomic groups, flags: not read, nor checked.
                checked = false
            }
        }
        let branches = alternation()
        if current == UInt8(ascii: ")") { index += 1 }
        let unbounded = isUnboundedRepetition()
        if checked, unbounded, branches.count > 1, Self.overlap(branches) { found = true }
        guard checked, branches.allSatisfy({ $0 != nil }) else { return .unknown }
        return .characters(branches.compactMap { $0 }.reduce(Characters()) { $0.union($1) })
    }

    private static func overlap(_ branches: [Characters?]) -> Bool {
        let known = branches.compactMap { $0 }
        for (offset, first) in known.enumerated() where known[(offset + 1)...].contains(where: first.intersects) {
            return true
        }
        return false
    }

    /// Whether the quantifier at the current position (not consumed) repeats without bound and may
    /// backtrack: `*`, `+` or `{n,}`, not followed by the possessive `+`.
    private func isUnboundedRepetition() -> Bool {
        var lookahead = index
        switch current {
        case UInt8(ascii: "*"), UInt8(ascii: "+"):
            lookahead += 1
        case UInt8(ascii: "{"):
            guard let close = bytes[index...].firstIndex(of: UInt8(ascii: "}")), bytes[close - 1] == UInt8(ascii: ","),
                bytes[(index + 1)..<(close - 1)].allSatisfy({ (0x30...0x39).contains($0) })
            else { return false }
            lookahead = close + 1
        default:
            return false
        }
        return lookahead >= bytes.count || bytes[lookahead] != UInt8(ascii: "+")
    }

    /// Consumes a quantifier, if one is here; whether it lets the piece match nothing.
    private mutating func quantifier() -> Bool {
        var optional = false
        switch current {
        case UInt8(ascii: "*"), UInt8(ascii: "?"):
            optional = true
            index += 1
        case UInt8(ascii: "+"):
            index += 1
        case UInt8(ascii: "{"):
            guard let close = bytes[index...].firstIndex(of: UInt8(ascii: "}")),
                bytes[(index + 1)..<close].allSatisfy({ (0x30...0x39).contains($0) || $0 == UInt8(ascii: ",") }), close > index + 1
            else { return false }
            let lower = bytes[(index + 1)..<close].prefix { $0 != UInt8(ascii: ",") }
            optional = lower.isEmpty || lower.allSatisfy { $0 == UInt8(ascii: "0") }
            index = close + 1
        default:
            return false
        }
        // A lazy or possessive mark.
        if current == UInt8(ascii: "?") || current == UInt8(ascii: "+") { index += 1 }
        return optional
    }
}
