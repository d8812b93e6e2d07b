/// A shell-style pattern compiled once: `*` (any run of characters, dots included), `?` (one character),
/// `[abc]`, `[a-z]`, `[!abc]` (a set, a range, a negated set) and `\*` (a literal). It matches the whole
/// string.
///
/// A character is what a reader sees as one (a `Character`, a grapheme cluster): `?` or a set takes `é`
/// whether it is written as one code point or as `e` and a combining accent, and a flag or an emoji with
/// a skin tone as one; `*` never stops inside one. Literals compare code point by code point, as text
/// written the same way. A range holds the characters of one code point between its ends.
///
/// The common shapes (`prod-*`, `*@acme.ai`, `*coco*`, no wildcard at all) are matched by plain
/// byte comparisons, because rules run for every event and most globs are one of them; where the bytes
/// meet a character outside ASCII, the match is kept only on a character boundary.
public struct Glob: Hashable, Sendable, CustomStringConvertible {
    enum Token: Hashable, Sendable {
        case literal(Character)
        case one
        case star
        case set([Member], negated: Bool)
    }

    /// One item of a `[...]` set.
    enum Member: Hashable, Sendable {
        case character(Character)
        case range(ClosedRange<Unicode.Scalar>)

        func contains(_ character: Character) -> Bool {
            switch self {
            case .character(let member): return Glob.same(member, character)
            case .range(let range):
                let scalars = character.unicodeScalars
                return scalars.count == 1 && range.contains(scalars[scalars.startIndex])
            }
        }
    }

    private enum Shape: Hashable, Sendable {
        case exact([UInt8])
        case prefix([UInt8])
        case suffix([UInt8])
        case infix([UInt8])
        case prefixSuffix([UInt8], [UInt8])
        case general([Token])
    }

    public let pattern: String
    private let shape: Shape

    public var description: String { pattern }

    /// Whether `text` uses any glob syntax, so that `on: export.completed` stays an exact type.
    static func hasWildcards(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0 == "*" || $0 == "?" || $0 == "[" || $0 == "\\" }
    }

    /// - Throws: ``GlobError`` for an unclosed or empty `[...]` or a trailing `\`.
    public init(_ pattern: String) throws(GlobError) {
        self.pattern = pattern
        let tokens = try Self.tokenize(pattern)
        self.shape = Self.shape(of: tokens)
    }

    public func matches(_ text: String) -> Bool {
        switch shape {
        case .exact(let bytes): return text.utf8.elementsEqual(bytes)
        case .prefix(let bytes): return text.utf8.starts(with: bytes) && Self.isCharacterBoundary(text, at: bytes.count)
        case .suffix(let bytes):
            let utf8 = text.utf8
            return utf8.count >= bytes.count && utf8.suffix(bytes.count).elementsEqual(bytes)
                && Self.isCharacterBoundary(text, at: utf8.count - bytes.count)
        case .infix(let bytes): return Self.contains(text, bytes)
        case .prefixSuffix(let head, let tail):
            let utf8 = text.utf8
            return utf8.count >= head.count + tail.count && utf8.starts(with: head) && utf8.suffix(tail.count).elementsEqual(tail)
                && Self.isCharacterBoundary(text, at: head.count) && Self.isCharacterBoundary(text, at: utf8.count - tail.count)
        case .general(let tokens): return Self.match(tokens, Array(text))
        }
    }

    /// Whether `offset` (in UTF-8 bytes, on a code point) falls between two characters of `text`, so
    /// that a literal matched by bytes ends or starts there as the characters do. Two ASCII bytes other
    /// than CR LF always have a boundary between them; only next to other bytes is it looked up.
    private static func isCharacterBoundary(_ text: String, at offset: Int) -> Bool {
        let utf8 = text.utf8
        guard offset > 0, offset < utf8.count else { return true }
        let index = utf8.index(utf8.startIndex, offsetBy: offset)
        let before = utf8[utf8.index(before: index)]
        let after = utf8[index]
        if before < 0x80, after < 0x80, !(before == 0x0D && after == 0x0A) { return true }
        return index.samePosition(in: text) != nil
    }

    /// Literals compare code point by code point: as the byte comparisons of the common shapes do.
    static func same(_ lhs: Character, _ rhs: Character) -> Bool {
        lhs.unicodeScalars.elementsEqual(rhs.unicodeScalars)
    }

    private static func tokenize(_ pattern: String) throws(GlobError) -> [Token] {
        var tokens: [Token] = []
        let characters = Array(pattern)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            switch character {
            case "*":
                // Consecutive stars mean the same as one and would only slow backtracking.
                if tokens.last != .star { tokens.append(.star) }
            case "?": tokens.append(.one)
            case "\\":
                guard index < characters.count else { throw GlobError(pattern: pattern, problem: "ends with a lone '\\'") }
                tokens.append(.literal(characters[index]))
                index += 1
            case "[":
                var negated = false
                if index < characters.count, characters[index] == "!" || characters[index] == "^" {
                    negated = true
                    index += 1
                }
                var ranges: [Member] = []
                var closed = false
                while index < characters.count {
                    let member = characters[index]
                    // A `]` first in the set is a member, as in POSIX shells.
                    if member == "]", !ranges.isEmpty {
                        closed = true
                        index += 1
                        break
                    }
                    if index + 2 < characters.count, characters[index + 1] == "-", characters[index + 2] != "]" {
                        let upper = characters[index + 2]
                        guard member.unicodeScalars.count == 1, upper.unicodeScalars.count == 1,
                            let low = member.unicodeScalars.first, let high = upper.unicodeScalars.first
                        else {
                            throw GlobError(pattern: pattern, problem: "range '\(member)-\(upper)' has an end of several code points")
                        }
                        guard low <= high else {
                            throw GlobError(pattern: pattern, problem: "range '\(member)-\(upper)' is backwards")
                        }
                        ranges.append(.range(low...high))
                        index += 3
                    } else {
                        ranges.append(.character(member))
                        index += 1
                    }
                }
                guard closed else { throw GlobError(pattern: pattern, problem: "unclosed '['") }
                tokens.append(.set(ranges, negated: negated))
            default: tokens.append(.literal(character))
            }
        }
        return tokens
    }

    private static func shape(of tokens: [Token]) -> Shape {
        func literalBytes(_ slice: ArraySlice<Token>) -> [UInt8]? {
            var bytes: [UInt8] = []
            for token in slice {
                guard case .literal(let character) = token else { return nil }
                bytes.append(contentsOf: character.utf8)
            }
            return bytes
        }
        let stars = tokens.indices.filter { tokens[$0] == .star }
        if stars.isEmpty, let bytes = literalBytes(tokens[...]) { return .exact(bytes) }
        if stars.count == 1, let star = stars.first,
            let head = literalBytes(tokens[..<star]), let tail = literalBytes(tokens[(star + 1)...])
        {
            if tail.isEmpty { return .prefix(head) }
            if head.isEmpty { return .suffix(tail) }
            return .prefixSuffix(head, tail)
        }
        if stars.count == 2, stars.first == 0, stars.last == tokens.count - 1, let middle = literalBytes(tokens[1..<(tokens.count - 1)]) {
            return .infix(middle)
        }
        return .general(tokens)
    }

    /// Whether `needle` is in `text`, starting and ending on character boundaries.
    private static func contains(_ text: String, _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        let haystack = Array(text.utf8)
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle),
                isCharacterBoundary(text, at: start), isCharacterBoundary(text, at: start + needle.count)
            {
                return true
            }
        }
        return false
    }

    /// The classic wildcard match: on a mismatch, let the last `*` swallow one more character. Linear
    /// in practice, and never exponential, because only the last star is ever retried.
    private static func match(_ tokens: [Token], _ text: [Character]) -> Bool {
        var tokenIndex = 0
        var textIndex = 0
        var starToken = -1
        var starText = 0
        while textIndex < text.count {
            if tokenIndex < tokens.count {
                switch tokens[tokenIndex] {
                case .star:
                    starToken = tokenIndex
                    starText = textIndex
                    tokenIndex += 1
                    continue
                case .one:
                    tokenIndex += 1
                    textIndex += 1
                    continue
                case .literal(let character) where same(character, text[textIndex]):
                    tokenIndex += 1
                    textIndex += 1
                    continue
                case .set(let ranges, let negated) where ranges.contains { $0.contains(text[textIndex]) } != negated:
                    tokenIndex += 1
                    textIndex += 1
                    continue
                default: break
                }
            }
            guard starToken >= 0 else { return false }
            starText += 1
            textIndex = starText
            tokenIndex = starToken + 1
        }
        while tokenIndex < tokens.count, tokens[tokenIndex] == .star { tokenIndex += 1 }
        return tokenIndex == tokens.count
    }
}

/// A glob that cannot be compiled.
public struct GlobError: Error, Hashable, Sendable, CustomStringConvertible {
    var pattern: String
    var problem: String
    public var description: String { "bad glob '\(pattern)': \(problem)" }
}
