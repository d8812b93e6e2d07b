/// The parser behind ``JSON/parse(_:)``.
///
/// One forward pass over contiguous bytes, without recursion.
///
/// A container is not grown member by member: its members wait on two stacks shared by the whole parse
/// (`values`, `keys`), and the array or dictionary is made once, at its closing bracket, with exactly the
/// capacity it needs. The nesting therefore lives in `frames` on the heap, so a hostile body can neither
/// overflow the thread's stack nor go deeper than ``maximumDepth``.
struct JSONParser {
    /// JSONDecoder's own limit: a body it accepts is never refused for its depth here, and vice versa.
    static let maximumDepth = 512

    /// The deepest nesting this parse accepts.
    private let depthLimit: Int

    /// 10⁰ … 10²², every power of ten a Double holds exactly.
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// An open array or object: where its members start on the shared stacks.
    private struct Frame {
        var valuesStart: Int
        var keysStart: Int
        var isObject: Bool
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let base: UnsafePointer<UInt8>
    private let end: Int
    private var index = 0
    private var values: [JSON] = []
    private var keys: [String] = []
    private var frames: [Frame] = []
    /// Decoded bytes of the string being unescaped, reused so each escaped string costs no extra allocation.
    private var scratch: [UInt8] = []

    private init(bytes: UnsafeBufferPointer<UInt8>, base: UnsafePointer<UInt8>, depthLimit: Int) {
        self.bytes = bytes
        self.base = base
        self.depthLimit = depthLimit
        self.end = bytes.count
        // Enough for a typical webhook body, so the stacks rarely regrow during a parse.
        values.reserveCapacity(32)
        keys.reserveCapacity(32)
        frames.reserveCapacity(16)
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int = maximumDepth) throws(JSONParseError) -> JSON {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONParseError(offset: 0, line: 1, column: 1, message: "empty body")
        }
        var parser = JSONParser(bytes: bytes, base: base, depthLimit: maximumDepth)
        return try parser.parseText()
    }

    private mutating func parseText() throws(JSONParseError) -> JSON {
        // RFC 8259 §8.1 lets a parser ignore a byte order mark, and JSONDecoder does.
        if end >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF { index = 3 }
        skipWhitespace()
        guard index < end else { throw error(at: index, "empty body") }

        nextValue: while true {
            guard index < end else { throw error(at: index, "unexpected end of input") }
            var value: JSON
            switch base[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = base[index] == UInt8(ascii: "{")
                try checkDepth()
                index += 1
                skipWhitespace()
                if index < end, base[index] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    index += 1
                    value = isObject ? .object([:]) : .array([])
                } else {
                    frames.append(Frame(valuesStart: values.count, keysStart: keys.count, isObject: isObject))
                    if isObject { try parseKey() }
                    continue nextValue
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = try parseNumber()
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            case let byte:
                throw error(at: index, Self.unexpected(byte))
            }

            // The value is complete: hand it to the open container, and close every container that ends here.
            while let frame = frames.last {
                values.append(value)
                skipWhitespace()
                guard index < end else { throw error(at: index, "unexpected end of input") }
                let byte = base[index]
                let closer = frame.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if byte == UInt8(ascii: ",") {
                    index += 1
                    skipWhitespace()
                    if index < end, base[index] == closer {
                        throw error(at: index, "trailing comma before '\(Character(Unicode.Scalar(closer)))'")
                    }
                    if frame.isObject { try parseKey() }
                    continue nextValue
                }
                guard byte == closer else {
                    throw error(
                        at: index,
                        frame.isObject ? "expected ',' or '}' after an object member" : "expected ',' or ']' after an array element"
                    )
                }
                index += 1
                frames.removeLast()
                value = frame.isObject ? makeObject(frame) : makeArray(frame)
            }

            skipWhitespace()
            guard index == end else { throw error(at: index, "trailing characters after the value") }
            return value
        }
    }

    private func checkDepth() throws(JSONParseError) {
        guard frames.count < depthLimit else { throw error(at: index, "nesting deeper than \(depthLimit)") }
    }

    /// Reads `"key"` and the colon after it, leaving `index` at the member's value.
    private mutating func parseKey() throws(JSONParseError) {
        guard index < end else { throw error(at: index, "unexpected end of input") }
        guard base[index] == UInt8(ascii: "\"") else { throw error(at: index, "expected a string key") }
        keys.append(try parseString())
        skipWhitespace()
        guard index < end else { throw error(at: index, "unexpected end of input") }
        guard base[index] == UInt8(ascii: ":") else { throw error(at: index, "expected ':' after object key") }
        index += 1
        skipWhitespace()
    }

    private mutating func makeArray(_ frame: Frame) -> JSON {
        let array = Array(values[frame.valuesStart...])
        values.removeSubrange(frame.valuesStart...)
        return .array(array)
    }

    private mutating func makeObject(_ frame: Frame) -> JSON {
        let count = values.count - frame.valuesStart
        var object = [String: JSON](minimumCapacity: count)
        // Backwards, so that of duplicate keys the first is the one left standing, as with JSONDecoder.
        for offset in stride(from: count - 1, through: 0, by: -1) {
            object[keys[frame.keysStart + offset]] = values[frame.valuesStart + offset]
        }
        keys.removeSubrange(frame.keysStart...)
        values.removeSubrange(frame.valuesStart...)
        return .object(object)
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while index < end {
            switch base[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
        let expected = word.utf8Start
        for offset in 0..<word.utf8CodeUnitCount {
            guard index + offset < end else { throw error(at: index + offset, "unexpected end of input") }
            guard base[index + offset] == expected[offset] else {
                throw error(at: index + offset, "invalid literal, expected '\(word)'")
            }
        }
        index += word.utf8CodeUnitCount
    }

    // MARK: Strings

    /// Reads a string starting at its opening quote.
    private mutating func parseString() throws(JSONParseError) -> String {
        let quote = index
        var cursor = index + 1
        // Most strings have no escape: find the closing quote, validating UTF-8 on the way, and copy once.
        while true {
            cursor = firstNotPlainByte(from: cursor)
            guard cursor < end else { throw error(at: quote, "unterminated string") }
            switch base[cursor] {
            case UInt8(ascii: "\""):
                index = cursor + 1
                return String(decoding: UnsafeBufferPointer(start: base + quote + 1, count: cursor - quote - 1), as: UTF8.self)
            case UInt8(ascii: "\\"):
                return try parseEscapedString(quote: quote, from: cursor)
            case 0..<0x20:
                throw error(at: cursor, Self.controlCharacter(base[cursor]))
            case 0x80...:
                cursor = try skipUTF8Sequence(at: cursor)
            default:
                cursor += 1
            }
        }
    }

    /// The rest of a string from its first backslash, decoded into `scratch`.
    private mutating func parseEscapedString(quote: Int, from firstEscape: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        var runStart = quote + 1
        var cursor = firstEscape
        while true {
            cursor = firstNotPlainByte(from: cursor)
            guard cursor < end else { throw error(at: quote, "unterminated string") }
            switch base[cursor] {
            case UInt8(ascii: "\""):
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: cursor - runStart))
                index = cursor + 1
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: cursor - runStart))
                cursor = try appendEscape(at: cursor, quote: quote)
                runStart = cursor
            case 0..<0x20:
                throw error(at: cursor, Self.controlCharacter(base[cursor]))
            case 0x80...:
                cursor = try skipUTF8Sequence(at: cursor)
            default:
                cursor += 1
            }
        }
    }

    /// Decodes the escape at `backslash` into `scratch`; returns the index after it.
    private mutating func appendEscape(at backslash: Int, quote: Int) throws(JSONParseError) -> Int {
        guard backslash + 1 < end else { throw error(at: quote, "unterminated string") }
        switch base[backslash + 1] {
        case UInt8(ascii: "\""): scratch.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): scratch.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hexQuad(escape: backslash)
            var next = backslash + 6
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate only means something with a low one right after it; alone it is no character,
                // and Swift strings (like JSONDecoder) cannot hold it.
                guard next + 1 < end, base[next] == UInt8(ascii: "\\"), base[next + 1] == UInt8(ascii: "u") else {
                    throw error(at: backslash, "unpaired surrogate in \\u escape")
                }
                let low = try hexQuad(escape: next)
                guard (0xDC00...0xDFFF).contains(low) else { throw error(at: backslash, "unpaired surrogate in \\u escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                next += 6
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error(at: backslash, "unpaired surrogate in \\u escape")
            }
            appendUTF8(scalar)
            return next
        default:
            throw error(at: backslash, "invalid escape")
        }
        return backslash + 2
    }

    /// The four hex digits after the `\u` at `escape`.
    private func hexQuad(escape: Int) throws(JSONParseError) -> UInt32 {
        guard escape + 6 <= end else { throw error(at: escape, "invalid \\u escape") }
        var value: UInt32 = 0
        for offset in 2..<6 {
            let byte = base[escape + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
            default: throw error(at: escape, "invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// The index of the first byte from `cursor` on that a string cannot copy as is: a quote, a backslash,
    /// a control character or a non-ASCII byte; or, when the last few bytes are all plain, the first of them.
    ///
    /// Tests eight bytes at a time, which is what makes long plain strings (notes, URLs, ids) cheap.
    @inline(__always)
    private func firstNotPlainByte(from cursor: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        var cursor = cursor
        while cursor + 8 <= end {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + cursor).loadUnaligned(as: UInt64.self))
            let quotes = word ^ (ones &* 0x22)
            let backslashes = word ^ (ones &* 0x5C)
            // The classic "has a zero byte" / "has a byte below n" tricks. A borrow can set bits above the first
            // match, never below it, so the lowest flagged byte is exact, and that is the only one used.
            let flagged =
                ((quotes &- ones) & ~quotes | (backslashes &- ones) & ~backslashes | (word &- ones &* 0x20) & ~word | word)
                & highBits
            if flagged != 0 { return cursor + flagged.trailingZeroBitCount / 8 }
            cursor += 8
        }
        return cursor
    }

    /// Checks the UTF-8 sequence whose lead byte is at `lead` (Unicode table 3-7: no overlong forms, no
    /// surrogates, nothing above U+10FFFF); returns the index after it.
    private func skipUTF8Sequence(at lead: Int) throws(JSONParseError) -> Int {
        func continuation(_ offset: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
            lead + offset < end && range.contains(base[lead + offset])
        }
        switch base[lead] {
        case 0xC2...0xDF:
            if continuation(1) { return lead + 2 }
        case 0xE0:
            if continuation(1, 0xA0...0xBF), continuation(2) { return lead + 3 }
        case 0xE1...0xEC, 0xEE...0xEF:
            if continuation(1), continuation(2) { return lead + 3 }
        case 0xED:
            if continuation(1, 0x80...0x9F), continuation(2) { return lead + 3 }
        case 0xF0:
            if continuation(1, 0x90...0xBF), continuation(2), continuation(3) { return lead + 4 }
        case 0xF1...0xF3:
            if continuation(1), continuation(2), continuation(3) { return lead + 4 }
        case 0xF4:
            if continuation(1, 0x80...0x8F), continuation(2), continuation(3) { return lead + 4 }
        default:
            break
        }
        throw error(at: lead, "invalid UTF-8")
    }

    // MARK: Numbers

    /// Reads a number, as `Double(String)` reads the same literal; a whole number beyond 2^53 that fits
    /// `Int64` (``JSON/integer(_:)``, `9007199254740993`, also written `9.007199254740993e15`) exactly,
    /// where a `Double` would round it.
    private mutating func parseNumber() throws(JSONParseError) -> JSON {
        let start = index
        var cursor = index
        let isNegative = base[cursor] == UInt8(ascii: "-")
        if isNegative { cursor += 1 }

        // Up to 19 significant digits fit in `significand`; `digits` counts all of them, leading zeros excluded.
        var significand: UInt64 = 0
        var digits = 0
        var exponent = 0

        guard cursor < end, let first = Self.digit(base[cursor]) else {
            throw error(at: cursor, cursor < end ? "invalid number: expected a digit" : "unexpected end of input")
        }
        cursor += 1
        if first == 0 {
            if cursor < end, Self.digit(base[cursor]) != nil { throw error(at: start, "invalid number: leading zero") }
        } else {
            significand = first
            digits = 1
            while cursor < end, let digit = Self.digit(base[cursor]) {
                if digits < 19 { significand = significand &* 10 &+ digit }
                digits += 1
                cursor += 1
            }
            if digits > 19 { exponent = digits - 19 }
        }

        // No fraction and no exponent: what a JSON writer makes of an integer.
        var isInteger = true
        if cursor < end, base[cursor] == UInt8(ascii: ".") {
            isInteger = false
            cursor += 1
            guard cursor < end, Self.digit(base[cursor]) != nil else {
                throw error(at: cursor, cursor < end ? "invalid number: expected a digit after '.'" : "unexpected end of input")
            }
            while cursor < end, let digit = Self.digit(base[cursor]) {
                if digits == 0 && digit == 0 {
                    exponent -= 1
                } else if digits < 19 {
                    significand = significand &* 10 &+ digit
                    digits += 1
                    exponent -= 1
                } else {
                    digits += 1
                }
                cursor += 1
            }
        }

        if cursor < end, base[cursor] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            cursor += 1
            var exponentIsNegative = false
            if cursor < end, base[cursor] == UInt8(ascii: "+") || base[cursor] == UInt8(ascii: "-") {
                exponentIsNegative = base[cursor] == UInt8(ascii: "-")
                cursor += 1
            }
            guard cursor < end, Self.digit(base[cursor]) != nil else {
                throw error(at: cursor, cursor < end ? "invalid number: expected a digit in the exponent" : "unexpected end of input")
            }
            var written = 0
            while cursor < end, let digit = Self.digit(base[cursor]) {
                // Past a million the value is infinite or zero anyway; the clamp only keeps `written` from overflowing.
                if written < 1_000_000 { written = written * 10 + Int(digit) }
                cursor += 1
            }
            exponent += exponentIsNegative ? -written : written
        }
        index = cursor

        if digits == 0 { return .number(isNegative ? -0.0 : 0.0) }
        // Clinger's fast path: with at most 15 digits the significand and 10^|exponent| ≤ 10^22 are both exact
        // Doubles, so one multiplication or division rounds exactly once, to the correctly rounded result that
        // `Double(String)` also returns.
        if digits <= 15, exponent >= -22, exponent <= 22 {
            let magnitude =
                exponent >= 0
                ? Double(significand) * Self.exactPowersOfTen[exponent]
                : Double(significand) / Self.exactPowersOfTen[-exponent]
            // Past 2^53 the product may have rounded a whole number (`123456789012345e3`).
            if exponent > 0, magnitude > JSON.exactIntegerLimit,
                let whole = Self.exactInteger(significand: significand, exponent: exponent, isNegative: isNegative)
            {
                return .integer(whole)
            }
            return .number(isNegative ? -magnitude : magnitude)
        }
        // With at most 19 digits the whole literal is in `significand`: a whole number beyond 2^53 that fits
        // Int64 is kept exactly, and an integer up to 2^53 is a Double exactly, without the slow path.
        if digits <= 19 {
            if let whole = Self.exactInteger(significand: significand, exponent: exponent, isNegative: isNegative) {
                return .integer(whole)
            }
            if isInteger, significand <= 1 << 53 { return .number(isNegative ? -Double(significand) : Double(significand)) }
        }
        return .number(try slowNumber(from: start, to: cursor))
    }

    /// `significand × 10^exponent` as an Int64 (negated when `isNegative`) when it is a whole number beyond
    /// 2^53 that fits one, as ``JSON/integer(_:)`` holds; nil otherwise. At most about 20 steps: a fraction
    /// ends at the significand's first non-zero digit, a multiplication overflows by the 20th.
    private static func exactInteger(significand: UInt64, exponent: Int, isNegative: Bool) -> Int64? {
        var magnitude = significand
        var exponent = exponent
        while exponent < 0 {
            guard magnitude % 10 == 0 else { return nil }
            magnitude /= 10
            exponent += 1
        }
        while exponent > 0 {
            let (product, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            magnitude = product
            exponent -= 1
        }
        guard magnitude > 1 << 53 else { return nil }
        if isNegative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// Long or far-out literals go to the standard library's correctly rounded conversion.
    private func slowNumber(from start: Int, to end: Int) throws(JSONParseError) -> Double {
        let literal = String(decoding: UnsafeBufferPointer(start: base + start, count: end - start), as: UTF8.self)
        guard let value = Double(literal) else { throw error(at: start, "invalid number") }
        // Reached only with a non-zero digit, so zero here is an underflow; JSONDecoder refuses both ways out.
        guard value.isFinite, value != 0 else { throw error(at: start, "number out of range") }
        return value
    }

    @inline(__always)
    private static func digit(_ byte: UInt8) -> UInt64? {
        let value = byte &- UInt8(ascii: "0")
        return value < 10 ? UInt64(value) : nil
    }

    // MARK: Errors

    private func error(at offset: Int, _ message: String) -> JSONParseError {
        JSONParseError(at: offset, in: bytes, message)
    }

    private static func unexpected(_ byte: UInt8) -> String {
        if (0x21...0x7E).contains(byte) { return "unexpected character '\(Character(Unicode.Scalar(byte)))'" }
        return "unexpected byte \(hex(byte))"
    }

    private static func controlCharacter(_ byte: UInt8) -> String {
        "unescaped control character \(hex(byte)) in string"
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0x0\(digits)" : "0x\(digits)"
    }
}
