/// A shell-style pattern compiled once: `*` (any run of characters, dots included), `?` (one character),
/// `[abc]`, `[a-z]`, `[!abc]` (a set, a range, a negated set) and `\*` (a literal). It matches the whole
/// string.
///
/// The common shapes (`prod-*`, `*@acme.ai`, `*coco*`, no wildcard at all) are matched by plain
/// byte comparisons, because rules run for every event and most globs are one of them.
public struct Glob: Hashable, Sendable, CustomStringConvertible {
    enum Token: Hashable, Sendable {
        case literal(Unicode.Scalar)
        case one
        case star
        case set([ClosedRange<Unicode.Scalar>], negated: Bool)
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
        case .prefix(let bytes): return text.utf8.starts(with: bytes)
        case .suffix(let bytes):
            let utf8 = text.utf8
            return utf8.count >= bytes.count && utf8.suffix(bytes.count).elementsEqual(bytes)
        case .infix(let bytes): return Self.contains(Array(text.utf8), bytes)
        case .prefixSuffix(let head, let tail):
            let utf8 = text.utf8
            return utf8.count >= head.count + tail.count && utf8.starts(with: head) && utf8.suffix(tail.count).elementsEqual(tail)
        case .general(let tokens): return Self.match(tokens, Array(text.unicodeScalars))
        }
    }

    private static func tokenize(_ pattern: String) throws(GlobError) -> [Token] {
        var tokens: [Token] = []
        let scalars = Array(pattern.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "*":
                // Consecutive stars mean the same as one and would only slow backtracking.
                if tokens.last != .star { tokens.append(.star) }
            case "?": tokens.append(.one)
            case "\\":
                guard index < scalars.count else { throw GlobError(pattern: pattern, problem: "ends with a lone '\\'") }
                tokens.append(.literal(scalars[index]))
                index += 1
            case "[":
                var negated = false
                if index < scalars.count, scalars[index] == "!" || scalars[index] == "^" {
                    negated = true
                    index += 1
                }
                var ranges: [ClosedRange<Unicode.Scalar>] = []
                var closed = false
                while index < scalars.count {
                    let member = scalars[index]
                    // A `]` first in the set is a member, as in POSIX shells.
                    if member == "]", !ranges.isEmpty {
                        closed = true
                        index += 1
                        break
                    }
                    if index + 2 < scalars.count, scalars[index + 1] == "-", scalars[index + 2] != "]" {
                        let upper = scalars[index + 2]
                        guard member <= upper else {
                            throw GlobError(pattern: pattern, problem: "range '\(member)-\(upper)' is backwards")
                        }
                        ranges.append(member...upper)
                        index += 3
                    } else {
                        ranges.append(member...member)
                        index += 1
                    }
                }
                guard closed else { throw GlobError(pattern: pattern, problem: "unclosed '['") }
                tokens.append(.set(ranges, negated: negated))
            default: tokens.append(.literal(scalar))
            }
        }
        return tokens
    }

    private static func shape(of tokens: [Token]) -> Shape {
        func literalBytes(_ slice: ArraySlice<Token>) -> [UInt8]? {
            var text = String.UnicodeScalarView()
            for token in slice {
                guard case .literal(let scalar) = token else { return nil }
                text.append(scalar)
            }
            return Array(String(text).utf8)
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

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    /// The classic wildcard match: on a mismatch, let the last `*` swallow one more character. Linear
    /// in practice, and never exponential, because only the last star is ever retried.
    private static func match(_ tokens: [Token], _ text: [Unicode.Scalar]) -> Bool {
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
                case .literal(let scalar) where scalar == text[textIndex]:
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
