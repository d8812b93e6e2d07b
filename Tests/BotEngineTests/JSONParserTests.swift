import BotKit
import Foundation
import Testing

/// `JSON.parse` reads RFC 8259 exactly, says where a body breaks, and gives the value `JSONDecoder` gives.
///
/// Where the two differ, on purpose, `JSON.parse` is the stricter one:
/// - trailing commas (`[1,]`, `{"a":1,}`): JSONDecoder accepts them, RFC 8259 does not, neither does `parse`;
/// - UTF-16 and UTF-32 bodies (JSONDecoder guesses the encoding from zero bytes, so even `1\0` reads as `1`):
///   RFC 8259 §8.1 requires UTF-8, and `parse` reads nothing else;
/// - a broken value behind a repeated key (`{"a":1,"a":"\ud800"}`): JSONDecoder never reads it and takes the
///   body; `parse` reads every byte and refuses it;
/// - `0.000e5` and similar zeros: JSONDecoder refuses some of them (its underflow check reads the last bytes of
///   the literal out of order and mistakes the exponent for a non-zero digit); `parse` returns 0.
///
/// And one limit: a whole number beyond 2^53 written with more than 19 significant digits
/// (`9007199254740993.00000`) is the rounded `Double` for `parse`, which keeps 19 digits, and the exact
/// integer for `JSONDecoder` (read again through `Decimal`). Writers put integers without a fraction.
///
/// Where they agree, and the tests pin it: the first of duplicate keys wins (keys equal as Swift strings, so
/// `"é"` and `"e\u{301}"` are one key); numbers that overflow to infinity or underflow to zero are refused;
/// lone surrogates, raw control characters and invalid UTF-8 in strings are refused; 512 levels of nesting
/// parse and 513 do not; a leading UTF-8 byte order mark is skipped.
@Suite struct JSONParserTests {
    // MARK: Values

    @Test func readsEveryKindOfValue() throws {
        #expect(try parse("null") == .null)
        #expect(try parse("true") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("42") == .number(42))
        #expect(try parse(#""hi""#) == .string("hi"))
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{}") == .object([:]))
        #expect(try parse(#"[null,true,false,-1.5,"s",[],{}]"#) == [nil, true, false, -1.5, "s", [], [:]])
        #expect(
            try parse(#"{"n":null,"t":true,"x":0.25,"s":"v","a":[1],"o":{"k":"v"}}"#) == [
                "n": nil, "t": true, "x": 0.25, "s": "v", "a": [1], "o": ["k": "v"],
            ]
        )
    }

    @Test func skipsWhitespaceAroundAndBetweenTokens() throws {
        #expect(try parse(" \t\r\n{ \"a\" :\r\n[ 1 ,\t2 ] , \"b\" : { } }\n ") == ["a": [1, 2], "b": [:]])
        #expect(try parse("\n\n  7  \n") == 7)
    }

    @Test func readsNestedContainers() throws {
        let text = #"{"event":"export.completed","payload":{"export":{"items":[{"uid":"i-1","tags":["a",["b",{"c":[[]]}]]}],"n":3}}}"#
        let expected: JSON = [
            "event": "export.completed",
            "payload": ["export": ["items": [["uid": "i-1", "tags": ["a", ["b", ["c": [[]]]]]]], "n": 3]],
        ]
        #expect(try parse(text) == expected)
        #expect(try parse(text) == decoded(text))
    }

    @Test func skipsALeadingByteOrderMark() throws {
        #expect(try JSON.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == [1])
        #expect(try decoded([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == [1])
        #expect(failure([0xEF, 0xBB, 0xBF, 0x20]) == JSONParseError(offset: 4, line: 1, column: 5, message: "empty body"))
    }

    // MARK: Strings

    @Test func decodesEverySimpleEscape() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try parse(#""a\nb""#) == .string("a\nb"))
        #expect(try parse(#"{"k\"ey":"v\\al"}"#) == ["k\"ey": "v\\al"])
    }

    @Test func decodesUnicodeEscapes() throws {
        #expect(try parse(#""\u0041\u00e9\u00E9\u20AC\u65e5\u0000\uFFFF""#) == .string("Aéé€日\u{0}\u{FFFF}"))
        #expect(try parse(#""\uD83D\uDE00 \ud834\udd1e""#) == .string("😀 𝄞"))
        #expect(try parse(#""\uDBFF\uDFFF""#) == .string("\u{10FFFF}"))
        #expect(try parse(#""x\u0022y\u005c""#) == .string("x\"y\\"))
        for text in [#""\u0041\u00e9""#, #""\uD83D\uDE00""#, #""\u0000""#] {
            #expect(try parse(text) == decoded(text))
        }
    }

    @Test(arguments: [
        (#""\ud800""#, 1), (#""\udc00""#, 1), (#""ab\uD800\u0041""#, 3), (#""\ud800x""#, 1), (#""\udc00\ud800""#, 1),
        (#""\ud800\ud800""#, 1), (#""\uD83D""#, 1), (#"{"\uDE00":1}"#, 2),
    ])
    func refusesLoneSurrogates(text: String, offset: Int) {
        #expect(failure(text) == JSONParseError(offset: offset, line: 1, column: offset + 1, message: "unpaired surrogate in \\u escape"))
        #expect(decodedFails(text))
    }

    @Test func refusesMalformedEscapes() {
        #expect(failure(#""\x""#)?.message == "invalid escape")
        #expect(failure(#""\a""#)?.offset == 1)
        #expect(failure(#""\U0041""#)?.message == "invalid escape")
        #expect(failure(#""\u12""#)?.message == "invalid \\u escape")
        #expect(failure(#""\u12G4""#) == JSONParseError(offset: 1, line: 1, column: 2, message: "invalid \\u escape"))
        #expect(failure(#""\u-123""#)?.message == "invalid \\u escape")
        for text in [#""\x""#, #""\U0041""#, #""\u12G4""#, #""\'""#] { #expect(decodedFails(text)) }
    }

    @Test func refusesRawControlCharactersInStrings() throws {
        for byte in UInt8(0)..<0x20 {
            let body: [UInt8] = [0x22, 0x61, byte, 0x62, 0x22]
            let hex = (byte < 0x10 ? "0x0" : "0x") + String(byte, radix: 16, uppercase: true)
            #expect(failure(body) == JSONParseError(offset: 2, line: 1, column: 3, message: "unescaped control character \(hex) in string"))
            #expect(decodedFails(body))
        }
        #expect(try JSON.parse([0x22, 0x7F, 0x22]) == .string("\u{7F}"))
    }

    @Test func readsValidUTF8() throws {
        let text = #"{"é":"café ✓ 日本語 😀 e\#u{301} \#u{2028}","\#u{10FFFF}":"\#u{80}\#u{7FF}\#u{800}\#u{FFFF}\#u{10000}"}"#
        #expect(try parse(text) == ["é": "café ✓ 日本語 😀 e\u{301} \u{2028}", "\u{10FFFF}": "\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}"])
        #expect(try parse(text) == decoded(text))
    }

    @Test(
        arguments: [
            [0xFF], [0xFE], [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC2], [0xC2, 0x41], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF],
            [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF],
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xF0, 0x9F, 0x98],
        ] as [[UInt8]]
    )
    func refusesInvalidUTF8(sequence: [UInt8]) {
        // In a value, in a key, and after a long plain run (past the eight-bytes-at-a-time scan).
        let bodies: [([UInt8], Int)] = [
            ([0x22] + sequence + [0x22], 1),
            (Array(#"{"ab"#.utf8) + sequence + Array(#"":1}"#.utf8), 4),
            (Array(#"["0123456789abcdef"#.utf8) + sequence + Array(#""]"#.utf8), 18),
        ]
        for (body, offset) in bodies {
            #expect(failure(body) == JSONParseError(offset: offset, line: 1, column: offset + 1, message: "invalid UTF-8"))
            #expect(decodedFails(body))
        }
    }

    @Test func refusesNonASCIIOutsideStrings() {
        #expect(failure([0xC3, 0xA9]) == JSONParseError(offset: 0, line: 1, column: 1, message: "unexpected byte 0xC3"))
        #expect(failure(Array("[1,\u{A0}2]".utf8))?.message == "unexpected byte 0xC2")
    }

    @Test func reportsAnUnterminatedStringAtItsOpeningQuote() {
        #expect(failure(#"{"a":"bcd"#) == JSONParseError(offset: 5, line: 1, column: 6, message: "unterminated string"))
        #expect(failure(#"["0123456789abcdefghij"#)?.offset == 1)
        #expect(failure(#""ab\"#)?.message == "unterminated string")
        #expect(failure(#""ab\"cd"#)?.message == "unterminated string")
        #expect(failure(#"{"ke"#)?.offset == 1)
    }

    // MARK: Numbers

    @Test(arguments: [
        "0", "-0", "1", "-1", "42", "9007199254740991", "9007199254740992", "-9007199254740992", "18446744073709551616",
        "9223372036854775808", "-9223372036854775809", "9007199254740993.5", "12345678901234e2",
        "12345678901234567890123", "0.5", "-0.25", "3.14159", "0.1", "0.3", "1e2", "1E2", "1e+2", "1E-2", "-2.5e-3", "6.02214076e23",
        "1.7976931348623157e308", "2.2250738585072014e-308", "4.9406564584124654e-324", "5e-324", "2.4703282292062328e-324",
        "0.000001", "1.000000000000000000001", "123456789012345.678", "0.1e-22", "1e22", "1e23", "9.999999999999999e22",
        "-0.0", "0e0", "0.0e-999", "0e400", "100000000000000000000000000000000000000000000000000", "8.98846567431158e307",
    ])
    func readsNumbersAsDoubleDoes(literal: String) throws {
        let expected = try #require(Double(literal))
        guard case .number(let value) = try parse(literal) else {
            Issue.record("not a number: \(literal)")
            return
        }
        #expect(value.bitPattern == expected.bitPattern, "\(literal): \(value) vs \(expected)")
        #expect(try parse(literal) == decoded(literal))
    }

    /// A whole number beyond 2^53 that fits `Int64` is kept exactly, where a `Double` would round it
    /// (`9007199254740993` to `…992`), however it is written: it reads as its own digits, writes back as
    /// them, and equals only itself, while still equal to a `.number` holding the same value.
    @Test(arguments: [
        ("9007199254740993", Int64(9_007_199_254_740_993)), ("-9007199254740993", -9_007_199_254_740_993),
        ("9223372036854775807", .max), ("-9223372036854775808", .min), ("1152921504606846976", 1 << 60),
        ("12345678901234567", 12_345_678_901_234_567), ("9007199254740993.0", 9_007_199_254_740_993),
        ("9.007199254740993e15", 9_007_199_254_740_993), ("123456789012345e3", 123_456_789_012_345_000),
    ])
    func keepsIntegersBeyond2To53Exactly(literal: String, expected: Int64) throws {
        let value = try parse(literal)
        #expect(value == .integer(expected))
        #expect(value.text == String(expected))
        #expect(value.compactJSON == String(expected))
        #expect(try parse("{\"id\":\(literal)}").compactJSON == "{\"id\":\(expected)}")
        #expect(value.intValue == Int(expected))
        #expect(value.numberValue == Double(expected))
        // JSONDecoder, and JSONEncoder's text, give the same value.
        #expect(try decoded(literal) == value)
        #expect(try JSONDecoder().decode(JSON.self, from: JSONEncoder().encode(value)) == value)
        // Its neighbours, which the same Double would hold, are other numbers.
        #expect(value != .integer(expected == .max ? expected - 1 : expected + 1))
        #expect((value == .number(Double(expected))) == (Int64(exactly: Double(expected)) == expected))
    }

    @Test func roundsAWholeNumberWrittenWithMoreThan19Digits() throws {
        #expect(try parse("9007199254740993.00000") == .number(9_007_199_254_740_992))
    }

    /// A `.number` and an `.integer` of the same value are equal and hash alike, so a set or a dictionary
    /// key holds one of them.
    @Test func aWholeNumberIsOneValueWhicheverCaseHoldsIt() {
        #expect(JSON.integer(1 << 60) == .number(0x1p60))
        #expect(Set<JSON>([.integer(1 << 60), .number(0x1p60)]).count == 1)
        #expect(JSON.number(9_007_199_254_740_992) != .integer(9_007_199_254_740_993))
        #expect(JSON.exactInteger(42) == .number(42))
        #expect(JSON.exactInteger(9_007_199_254_740_993) == .integer(9_007_199_254_740_993))
        let literal: JSON = 9_007_199_254_740_993
        #expect(literal.compactJSON == "9007199254740993")
    }

    @Test func keepsTheSignOfNegativeZero() throws {
        for literal in ["-0", "-0.0", "-0e5", "-0.000"] {
            #expect(try parse(literal).numberValue?.sign == .minus, "\(literal)")
        }
        #expect(try parse("0").numberValue?.sign == .plus)
    }

    /// Random literals of every shape against `Double(String)`, bit for bit: the fast path must never differ.
    @Test func readsRandomNumbersAsDoubleDoes() throws {
        var random = SplitMix64(seed: 7)
        for _ in 0..<20_000 {
            let literal = Generator.number(using: &random, allowingExtremes: true)
            let expected = try #require(Double(literal))
            let parsed = Result { () throws(JSONParseError) in try parse(literal) }
            let significand = literal.prefix { $0 != "e" && $0 != "E" }
            if expected.isFinite, expected != 0 || !significand.contains(where: { "123456789".contains($0) }) {
                #expect(try parsed.get().numberValue?.bitPattern == expected.bitPattern, "\(literal)")
            } else {
                #expect((try? parsed.get()) == nil, "\(literal) should be out of range")
            }
        }
    }

    @Test(arguments: ["1e400", "-1e400", "1e-400", "-1e-400", "1.7976931348623159e308", "2.4703282292062327e-324", "1e99999999999999999999"])
    func refusesNumbersOutOfRange(literal: String) {
        #expect(failure("[0, \(literal)]") == JSONParseError(offset: 4, line: 1, column: 5, message: "number out of range"))
        #expect(decodedFails(literal))
    }

    @Test func refusesNumbersTooLongToBeFinite() {
        #expect(failure(String(repeating: "9", count: 400))?.message == "number out of range")
        #expect(failure("0." + String(repeating: "0", count: 400) + "1")?.message == "number out of range")
    }

    @Test(arguments: [
        ("01", 0, "invalid number: leading zero"), ("-01", 0, "invalid number: leading zero"), ("00", 0, "invalid number: leading zero"),
        ("[007]", 1, "invalid number: leading zero"), ("-", 1, "unexpected end of input"), ("-a", 1, "invalid number: expected a digit"),
        ("--1", 1, "invalid number: expected a digit"), ("1.", 2, "unexpected end of input"),
        ("1.e5", 2, "invalid number: expected a digit after '.'"),
        ("[1.]", 3, "invalid number: expected a digit after '.'"), ("1e", 2, "unexpected end of input"), ("1e+", 3, "unexpected end of input"),
        ("1ex", 2, "invalid number: expected a digit in the exponent"), (".5", 0, "unexpected character '.'"), ("+1", 0, "unexpected character '+'"),
        ("0x10", 1, "trailing characters after the value"), ("1.5e3.2", 5, "trailing characters after the value"),
        ("NaN", 0, "unexpected character 'N'"),
        ("Infinity", 0, "unexpected character 'I'"), ("-Infinity", 1, "invalid number: expected a digit"),
    ])
    func refusesMalformedNumbers(text: String, offset: Int, message: String) {
        #expect(failure(text) == JSONParseError(offset: offset, line: 1, column: offset + 1, message: message))
        #expect(decodedFails(text))
    }

    // MARK: Structure

    @Test(arguments: [("[1,]", 3, "]"), ("[1, 2 , ]", 8, "]"), (#"{"a":1,}"#, 7, "}"), ("[[1,],2]", 4, "]"), ("{\"a\":1,\n}", 8, "}")])
    func refusesTrailingCommas(text: String, offset: Int, closer: String) {
        // JSONDecoder accepts these; RFC 8259 does not.
        #expect(failure(text)?.offset == offset)
        #expect(failure(text)?.message == "trailing comma before '\(closer)'")
    }

    @Test func keepsTheFirstOfDuplicateKeysAsJSONDecoderDoes() throws {
        let texts = [#"{"a":1,"a":2}"#, #"{"a":1,"b":3,"a":2,"a":4}"#, #"{"\u0061":1,"a":2}"#, "{\"e\u{301}\":1,\"\u{e9}\":2}"]
        let expected: [JSON] = [["a": 1], ["a": 1, "b": 3], ["a": 1], ["\u{e9}": 1]]
        for (text, value) in zip(texts, expected) {
            #expect(try parse(text) == value, "\(text)")
            #expect(try decoded(text) == value, "\(text)")
        }
    }

    @Test(arguments: [
        ("1 x", 2), ("{} {}", 3), ("[1]]", 3), ("truex", 4), (#""a""b""#, 3), ("null null", 5), ("[]\n,", 3), ("1 2", 2), ("{}\u{0}", 2),
    ])
    func refusesAnythingAfterTheValue(text: String, offset: Int) {
        #expect(failure(text)?.offset == offset)
        #expect(failure(text)?.message == "trailing characters after the value")
        #expect(decodedFails(text))
    }

    /// The leniencies listed on the suite, each refused here (JSONDecoder's side is not asserted: it may change).
    @Test func refusesWhatOnlyJSONDecoderTakes() {
        #expect(failure([0x31, 0x00]) == JSONParseError(offset: 1, line: 1, column: 2, message: "trailing characters after the value"))
        #expect(failure([0x5B, 0x00, 0x31, 0x00, 0x5D, 0x00])?.message == "unexpected byte 0x00")
        #expect(failure([0xFF, 0xFE, 0x31, 0x00])?.message == "unexpected byte 0xFF")
        #expect(failure(#"{"a":1,"a":"\ud800"}"#) == JSONParseError(offset: 12, line: 1, column: 13, message: "unpaired surrogate in \\u escape"))
        #expect(failure(#"{"a":1,"a":1e400}"#)?.message == "number out of range")
        #expect(failure("{\"a\":1,\"a\":\"\u{1}\"}")?.message == "unescaped control character 0x01 in string")
    }

    @Test func readsZeroWithAnyExponent() throws {
        for literal in ["0e5", "0.000e5", "0.0E+99", "0e-400", "0.00000e123456789"] {
            #expect(try parse(literal).numberValue?.bitPattern == 0, "\(literal)")
        }
        #expect(try parse("-0.000e5").numberValue?.bitPattern == (-0.0).bitPattern)
    }

    @Test(arguments: ["", " ", "\n", " \t\r\n  "])
    func refusesAnEmptyBody(text: String) {
        let end = text.utf8.count
        let line = 1 + text.utf8.count(where: { $0 == UInt8(ascii: "\n") })
        let column = end - (text.utf8.lastIndex(of: UInt8(ascii: "\n")).map { text.utf8.distance(from: text.utf8.startIndex, to: $0) + 1 } ?? 0) + 1
        #expect(failure(text) == JSONParseError(offset: end, line: line, column: column, message: "empty body"))
        #expect(decodedFails(text))
    }

    @Test(arguments: [
        ("{", 1, "unexpected end of input"), ("[", 1, "unexpected end of input"), ("[1", 2, "unexpected end of input"),
        (#"{"a""#, 4, "unexpected end of input"), (#"{"a":"#, 5, "unexpected end of input"), (#"{"a":1"#, 6, "unexpected end of input"),
        (#"{"a" 1}"#, 5, "expected ':' after object key"), ("{a:1}", 1, "expected a string key"), ("{1:1}", 1, "expected a string key"),
        (#"{"a":1 "b":2}"#, 7, "expected ',' or '}' after an object member"), ("[1 2]", 3, "expected ',' or ']' after an array element"),
        ("[1,,2]", 3, "unexpected character ','"), ("[,1]", 1, "unexpected character ','"), ("{,}", 1, "expected a string key"),
        ("[1}", 2, "expected ',' or ']' after an array element"), (#"{"a":1]"#, 6, "expected ',' or '}' after an object member"),
        ("]", 0, "unexpected character ']'"), (#"{"a":}"#, 5, "unexpected character '}'"), ("tru", 3, "unexpected end of input"),
        ("trUe", 2, "invalid literal, expected 'true'"), ("nul", 3, "unexpected end of input"), ("fals", 4, "unexpected end of input"),
        ("[nulL]", 4, "invalid literal, expected 'null'"), ("'a'", 0, "unexpected character '''"), ("/*c*/1", 0, "unexpected character '/'"),
        ("\u{0}", 0, "unexpected byte 0x00"), ("\u{0B}1", 0, "unexpected byte 0x0B"), ("\u{0C}1", 0, "unexpected byte 0x0C"),
    ])
    func refusesMalformedStructure(text: String, offset: Int, message: String) {
        #expect(failure(text) == JSONParseError(offset: offset, line: 1, column: offset + 1, message: message))
        #expect(decodedFails(text))
    }

    // MARK: Nesting

    @Test func readsNestingUpToTheLimit() throws {
        let arrays = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        let objects = String(repeating: #"{"a":"#, count: 511) + "[1]" + String(repeating: "}", count: 511)
        var value = try parse(arrays)
        var depth = 0
        while case .array(let array) = value {
            depth += 1
            value = array.first ?? .null
        }
        #expect(depth == 512)
        #expect(try parse(objects) == decoded(objects))
    }

    @Test func refusesNestingPastTheLimit() {
        let arrays = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        let mixed = String(repeating: #"{"a":["#, count: 257) + String(repeating: "]}", count: 257)
        #expect(failure(arrays) == JSONParseError(offset: 512, line: 1, column: 513, message: "nesting deeper than 512"))
        #expect(failure(mixed)?.offset == 256 * 6)
        #expect(failure(mixed)?.message == "nesting deeper than 512")
        #expect(decodedFails(arrays))
        #expect(decodedFails(mixed))
    }

    @Test func refusesHostileDepthWithoutTouchingTheStack() {
        let deep = String(repeating: "[", count: 1_000_000)
        #expect(failure(deep)?.message == "nesting deeper than 512")
        let deepObjects = String(repeating: #"{"":"#, count: 100_000)
        #expect(failure(deepObjects)?.offset == 512 * 4)
    }

    // MARK: Error positions

    @Test func reportsLineAndColumnOfTheBreak() {
        let unterminated = "{\"a\":\n  \"b}"
        #expect(failure(unterminated) == JSONParseError(offset: 8, line: 2, column: 3, message: "unterminated string"))
        #expect(failure(unterminated)?.description == "line 2, column 3 (byte 8): unterminated string")

        let badLiteral = "{\n  \"ok\": true,\n  \"next\": nope\n}"
        #expect(failure(badLiteral) == JSONParseError(offset: 27, line: 3, column: 12, message: "invalid literal, expected 'null'"))

        let missingColon = "{\r\n  \"event\" \"x\"\r\n}"
        #expect(failure(missingColon) == JSONParseError(offset: 13, line: 2, column: 11, message: "expected ':' after object key"))

        let strayCharacter = "[\n1,\n2,\n\n  x]"
        #expect(failure(strayCharacter) == JSONParseError(offset: 11, line: 5, column: 3, message: "unexpected character 'x'"))

        let garbage = "{\"a\": [1, 2]}\n\n  }"
        #expect(failure(garbage) == JSONParseError(offset: 17, line: 3, column: 3, message: "trailing characters after the value"))
        #expect(failure(garbage)?.description == "line 3, column 3 (byte 17): trailing characters after the value")

        let control = "{\"a\": \"line\nbreak\"}"
        #expect(failure(control) == JSONParseError(offset: 11, line: 1, column: 12, message: "unescaped control character 0x0A in string"))

        // Columns count bytes: "é" is two.
        let afterNonASCII = "[\"é\", x]"
        #expect(failure(afterNonASCII) == JSONParseError(offset: 7, line: 1, column: 8, message: "unexpected character 'x'"))
    }

    // MARK: Inputs

    @Test func readsEveryKindOfByteCollection() throws {
        let text = #"  {"a": [1, "two", null]}  "#
        let expected: JSON = ["a": [1, "two", nil]]
        let bytes = Array(text.utf8)
        #expect(try JSON.parse(bytes) == expected)
        #expect(try JSON.parse(bytes[2...]) == expected)
        #expect(try JSON.parse(text.utf8) == expected)
        #expect(try JSON.parse(("xx" + text)[...].dropFirst(2).utf8) == expected)
        #expect(try JSON.parse(Data(bytes)) == expected)
        #expect(try JSON.parse(text.utf8.lazy.map { $0 }) == expected)
        #expect(try bytes.withUnsafeBytes { buffer in try JSON.parse(buffer) } == expected)
    }

    @Test func countsOffsetsFromTheFirstByteOfASlice() {
        let bytes = Array("xxxx[1,]".utf8)
        #expect(failureOf { try JSON.parse(bytes[4...]) } == JSONParseError(offset: 3, line: 1, column: 4, message: "trailing comma before ']'"))
        #expect(failureOf { try JSON.parse(UnsafeRawBufferPointer(start: nil, count: 0)) }?.message == "empty body")
    }

    // MARK: Against JSONDecoder

    @Test(arguments: JSONParserTests.validCorpus)
    func readsTheCorpusAsJSONDecoderDoes(text: String) throws {
        #expect(try parse(text) == decoded(text))
    }

    @Test(arguments: JSONParserTests.invalidCorpus)
    func refusesTheCorpusAsJSONDecoderDoes(text: String) {
        #expect(failure(text) != nil)
        #expect(decodedFails(text))
    }

    @Test func readsRandomDocumentsAsJSONDecoderDoes() throws {
        var random = SplitMix64(seed: 2026)
        for _ in 0..<1_500 {
            let bytes = Array(Generator.document(using: &random).utf8)
            let parsed = Result { () throws(JSONParseError) in try JSON.parse(bytes) }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(try parsed.get() == decoded(bytes), "\(text)")
        }
    }

    /// Random documents with one byte deleted, inserted or replaced: both accept the same value, or both refuse.
    ///
    /// Keys are unique here because JSONDecoder never reads the value of a repeated key, so damage inside it goes
    /// unnoticed there (`{"a":1,"a":"\ud800"}` decodes); `parse` reads every byte and refuses such a body.
    @Test func treatsDamagedDocumentsAsJSONDecoderDoes() throws {
        var random = SplitMix64(seed: 512)
        let interesting = Array("{}[]\",:\\ -+.0123456789eEtrufalsn\u{0}\n\t/u".utf8) + [0x80, 0xC3, 0xED, 0xF0, 0xFF, 0x1F]
        var refused = 0
        for _ in 0..<3_000 {
            var bytes = Array(Generator.document(uniqueKeys: true, using: &random).utf8)
            let position = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0: bytes.remove(at: position)
            case 1: bytes.insert(interesting.randomElement(using: &random)!, at: position)
            default: bytes[position] = interesting.randomElement(using: &random)!
            }
            let ours = Result { () throws(JSONParseError) in try JSON.parse(bytes) }
            let theirs = Result { try JSONDecoder().decode(JSON.self, from: Data(bytes)) }
            let text = String(decoding: bytes, as: UTF8.self)
            switch (ours, theirs) {
            case (.success(let value), .success(let other)):
                #expect(value == other, "\(text)")
            case (.failure, .failure):
                refused += 1
            case (.failure(let error), .success):
                // JSONDecoder's leniencies, listed on the suite.
                let known = error.message.hasPrefix("trailing comma") || bytes.count < 4 && bytes.contains(0)
                #expect(known, "only JSONDecoder accepts \(Array(text.utf8)): \(error)")
            case (.success, .failure(let error)):
                Issue.record("only JSON.parse accepts \(Array(text.utf8)): \(error)")
            }
        }
        #expect(refused > 1_000)
    }

    // MARK: Helpers

    private func parse(_ text: String) throws(JSONParseError) -> JSON {
        try JSON.parse(Array(text.utf8))
    }

    private func decoded(_ text: String) throws -> JSON {
        try decoded(Array(text.utf8))
    }

    private func decoded(_ bytes: [UInt8]) throws -> JSON {
        try JSONDecoder().decode(JSON.self, from: Data(bytes))
    }

    private func decodedFails(_ text: String) -> Bool {
        decodedFails(Array(text.utf8))
    }

    private func decodedFails(_ bytes: [UInt8]) -> Bool {
        (try? decoded(bytes)) == nil
    }

    private func failure(_ text: String) -> JSONParseError? {
        failure(Array(text.utf8))
    }

    private func failure(_ bytes: [UInt8]) -> JSONParseError? {
        failureOf { try JSON.parse(bytes) }
    }

    /// The error `body` threw, when it was a `JSONParseError`.
    private func failureOf(_ body: () throws -> JSON) -> JSONParseError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? JSONParseError
        }
    }
}

// MARK: - Corpora

extension JSONParserTests {
    static let longNote = String(repeating: "x", count: 900)

    /// Fifty documents of the shapes the listener sees, and the corners of the grammar.
    static let validCorpus: [String] = [
        #"{"event":"export.completed","sent_at":"2026-12-01T00:00:00Z","payload":{"export":{"uid":"e-1","format":"coco","status":"completed","items":[1,2,3],"note":"\#(longNote)"},"n":42}}"#,
        #"{"type":"task.completed","data":{"task":{"uid":"t-9","project":{"uid":"p-1","name":"Cats"},"labels":["cat","dog"],"duration_ms":1234.5}}}"#,
        #"{"id":"msg_2Yy6z","timestamp":1764547200,"type":"dataset.item.created","data":{"dataset_uid":"d-1","item_uid":"i-7","url":"https:\/\/x.invalid\/a\/b?c=1&d=2"}}"#,
        #"{"members":[{"email":"a@example.com","role":"admin"},{"email":"b@example.com","role":"annotator"},{"email":"c@example.com","role":null}]}"#,
        #"{"invitation":{"uid":"inv-3","expires_at":"2026-12-08T00:00:00Z","accepted":false,"attempts":0}}"#,
        "null", "true", "false", "0", "-0", "1", "-1", "3.5", "-2.5e-3", "1E+300", "123456789012345678901234567890", #""""#, #""plain""#,
        "[]", "{}", "[[]]", "[{}]", #"{"":{}}"#, #"{"":""}"#, "[null]", "[true,false]", "[0,-0,0.0,-0.0,0e0,0E-0]",
        "[1.5, 2.25, 3.125, 1e-7, 1e20, 123456789012345, 9007199254740993, 0.1, 0.2, 0.30000000000000004]",
        "[1.7976931348623157e308, -1.7976931348623157e308, 2.2250738585072014e-308, 5e-324, 4.9406564584124654e-324]",
        #"["\"", "\\", "\/", "\b", "\f", "\n", "\r", "\t", "\u0000", "\u001f", "\u007f", "\u0080", "\u07ff", "\u0800", "\uffff"]"#,
        #"["\ud800\udc00", "\udbff\udfff", "\uD83D\uDE00\uD83C\uDF89", "a\u00e9b", "\u65E5\u672C"]"#,
        #"["café", "✓", "日本語", "😀🎉", "e\#u{301}", "\#u{2028}\#u{2029}", "\#u{FEFF}", "\#u{10FFFF}", "\#u{7F}"]"#,
        #"{"é":1,"e\#u{301}":2,"ü":3}"#,
        #"{"a":1,"a":2}"#,
        #"{"a":{"b":1},"a":{"c":2}}"#,
        #"{"x":[1,{"x":[2,{"x":[3,{"x":[4]}]}]}]}"#,
        "\n\t\r {\n\t\"a\" : [ 1 , 2 ] ,\r\n \"b\" : { \"c\" : null } }\n\n",
        #"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"#,
        #"{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":"deep"}}}}}}}}}}"#,
        #"{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14}"#,
        #"["\#(String(repeating: "ab\\n", count: 200))"]"#,
        #"["\#(String(repeating: "é", count: 300))"]"#,
        #"{"0123456789abcdefghij0123456789":"0123456789abcdefghij0123456789","sp ace":"t\ta\tb","quote\"key":"v"}"#,
        "[1,[2,[3,[4,[5,[6,[7,[8,[9,[10]]]]]]]]]]",
        #"[{"a":[]},{"b":{}},{"c":[{}]},{"d":[[],[]]}]"#,
        "[-1e-10, -0.000001, 1e21, 1e22, 1e23, 100000000000000000000000, 18446744073709551615, -9223372036854775808]",
        #"{"ratio":0.3333333333333333,"pi":3.141592653589793,"e":2.718281828459045,"sqrt2":1.4142135623730951}"#,
        #"{"bool":true,"null":null,"str":"null","num":"42","arr":"[]"}"#,
        #"["\u0022quoted\u0022", "back\u005Cslash", "A\u0042C"]"#,
    ]

    /// Bodies both refuse. (The trailing commas and UTF-16 bodies only JSONDecoder takes are tested on their own.)
    static let invalidCorpus: [String] = [
        "", " ", "{", "}", "[", "]", "[1", "{\"a\"", "{\"a\":", "{\"a\":1", "[1 2]", "[1,,2]", "[,1]", "{,}", "{\"a\" 1}", "{a:1}",
        "{'a':1}", "['a']", "tru", "nul", "fals", "True", "NULL", "undefined", "NaN", "-Infinity", "01", "-", "1.", ".5", "+1",
        "1e", "0x1F", "1 2", "{} []", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"a\u{1}b\"", "\"tab\there\"", "[1]]",
        "{\"a\":1}}", "/* c */ 1", "1 // c", "[1e400]", "[-1e400]", "[1e-400]",
    ]
}

// MARK: - Random documents

extension JSONParserTests {
    /// A fixed-seed generator, so a failing document can be reproduced.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64

        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            return mixed ^ (mixed >> 31)
        }
    }

    /// Valid JSON text of varied shape: nesting, whitespace, escapes, non-ASCII, duplicate keys, number forms.
    enum Generator {
        /// With `uniqueKeys`, no object repeats a key; otherwise repeats are common.
        static func document(uniqueKeys: Bool = false, using random: inout SplitMix64) -> String {
            whitespace(using: &random) + value(depth: 0, uniqueKeys: uniqueKeys, using: &random) + whitespace(using: &random)
        }

        static func value(depth: Int, uniqueKeys: Bool, using random: inout SplitMix64) -> String {
            let kind = Int.random(in: 0..<(depth < 5 ? 10 : 7), using: &random)
            switch kind {
            case 0: return "null"
            case 1: return Bool.random(using: &random) ? "true" : "false"
            case 2, 3: return number(using: &random, allowingExtremes: false)
            case 4, 5, 6: return string(using: &random)
            case 7, 8:
                let elements = (0..<Int.random(in: 0...5, using: &random)).map { _ in
                    whitespace(using: &random) + value(depth: depth + 1, uniqueKeys: uniqueKeys, using: &random) + whitespace(using: &random)
                }
                return "[" + elements.joined(separator: ",") + whitespace(using: &random) + "]"
            default:
                let members = (0..<Int.random(in: 0...5, using: &random)).map { index in
                    // A small key pool makes duplicate keys common; a distinct prefix rules them out.
                    let key =
                        if uniqueKeys {
                            "\"\(index)_" + string(using: &random).dropFirst()
                        } else if Bool.random(using: &random) {
                            "\"\(["id", "a", "b", "é", "e\u{301}"].randomElement(using: &random)!)\""
                        } else {
                            string(using: &random)
                        }
                    return whitespace(using: &random) + key + whitespace(using: &random) + ":" + whitespace(using: &random)
                        + value(depth: depth + 1, uniqueKeys: uniqueKeys, using: &random)
                }
                return "{" + members.joined(separator: ",") + whitespace(using: &random) + "}"
            }
        }

        static func whitespace(using random: inout SplitMix64) -> String {
            ["", "", "", " ", "\n", "\t", "\r\n", "  \n    "].randomElement(using: &random)!
        }

        static func string(using random: inout SplitMix64) -> String {
            let pieces = [
                "a", "Z", "0", " ", "-", "_", "/", "é", "日", "😀", "\u{301}", "\u{2028}", "\u{7F}", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n",
                "\\r", "\\t", "\\u00e9", "\\u0000", "\\u001F", "\\uFFFF", "\\uD83D\\uDE00", "\\udbff\\udfff", "plain words ", "0123456789abcdef",
            ]
            var text = "\""
            for _ in 0..<Int.random(in: 0...12, using: &random) {
                if Int.random(in: 0..<10, using: &random) == 0 {
                    let scalar = Unicode.Scalar(UInt32.random(in: 0x20...0xD7FF, using: &random))!
                    text += String(scalar) == "\"" || String(scalar) == "\\" ? "x" : String(scalar)
                } else {
                    text += pieces.randomElement(using: &random)!
                }
            }
            return text + "\""
        }

        /// A number literal; with `allowingExtremes`, also ones that overflow, underflow or run to many digits.
        static func number(using random: inout SplitMix64, allowingExtremes: Bool) -> String {
            func digits(_ count: Int) -> String {
                String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
            }
            let sign = Int.random(in: 0..<4, using: &random) == 0 ? "-" : ""
            let integerDigits = Int.random(in: 1...(allowingExtremes ? 30 : 18), using: &random)
            var integer = digits(integerDigits)
            while integer.count > 1 && integer.first == "0" { integer.removeFirst() }
            var literal = sign + integer
            if Bool.random(using: &random) {
                literal += "." + digits(Int.random(in: 1...(allowingExtremes ? 30 : 17), using: &random))
            }
            if Int.random(in: 0..<3, using: &random) == 0 {
                let range = allowingExtremes ? -400...400 : -250...250
                let exponent = Int.random(in: range, using: &random)
                let marker = Bool.random(using: &random) ? "e" : "E"
                let explicitPlus = exponent >= 0 && Bool.random(using: &random) ? "+" : ""
                // Zero significands with exponents meet a JSONDecoder defect (see the suite); valid documents avoid them.
                if allowingExtremes || literal.contains(where: { "123456789".contains($0) }) {
                    literal += marker + explicitPlus + String(exponent)
                }
            }
            return literal
        }
    }
}
