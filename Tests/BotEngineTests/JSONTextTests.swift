import BotKit
import Foundation
import Testing

@testable import BotEngine

/// The store's own JSON writer reads back through `JSONDecoder` as the same value.
@Suite struct JSONTextTests {
    static let values: [JSON] = [
        .null, true, false, 0, -7, 42, 0.1, -2.5, 1e-7, 1e20, 123_456_789_012_345, 1e15, .number(-0.0),
        .number(Double.greatestFiniteMagnitude), .number(Double.leastNonzeroMagnitude),
        "", "plain", "quote \" backslash \\ slash /", "tab\tnewline\nreturn\rbell\u{07}nul\u{00}esc\u{1B}",
        "ünïcødé ✓ 🎉 日本語", "\u{2028}\u{2029}", [], [:], [1, "two", nil, [true]],
        // Escapes at either end, next to each other, and between long unescaped runs.
        "\"starts", "ends\\", "\n\n\u{01}\"", .string(String(repeating: "x", count: 5_000) + "\t" + String(repeating: "ü", count: 3_000) + "\""),
        ["b": 1, "a": ["z": [], "y": [:]], "": "empty key", "k\"ey": "v"],
    ]

    @Test(arguments: values)
    func readsBackAsTheSameValue(value: JSON) throws {
        let text = try JSONText.compact(value)
        let decoded = try JSONDecoder().decode(JSON.self, from: Data(text.utf8))
        #expect(decoded == value, "\(text)")
        #expect(!text.contains("\n"))
    }

    /// The same text as `JSONEncoder` with sorted keys and unescaped slashes (what `compactJSON` wrote
    /// before it used this writer), integers as such; and `compactJSON` is this writer.
    @Test func writesWhatJSONEncoderWrites() throws {
        let value: JSON = [
            "export": ["uid": "e-1", "url": "https://x.invalid/a/b", "count": 3, "ratio": 0.25, "ok": true, "none": nil],
            "list": [1, 2.5, "three", -0.5, 1e20, 123_456_789_012_345],
            "text": "quote \" backslash \\ tab\t ünï 🎉 \u{1B}",
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = String(decoding: try encoder.encode(value), as: UTF8.self)
        #expect(try JSONText.compact(value) == expected)
        #expect(value.compactJSON == expected)
        #expect(JSON.number(.nan).compactJSON == "null")
    }

    /// Every whole number up to 2^53 (where a `Double` still holds each integer exactly) is written as an
    /// integer, in JSON and as template text; beyond, the number's own shortest form.
    @Test(
        arguments: [
            (1e15, "1000000000000000"), (9_007_199_254_740_992, "9007199254740992"),
            (-9_007_199_254_740_992, "-9007199254740992"), (9_007_199_254_740_994, "9.007199254740994e+15"), (1e300, "1e+300"),
            (-10_000_000_000_000_002, "-1.0000000000000002e+16"), (4_503_599_627_370_495.5, "4503599627370495.5"),
        ] as [(Double, String)]
    )
    func wholeNumbersUpTo2To53AreWrittenAsIntegers(number: Double, text: String) throws {
        let value = JSON.number(number)
        #expect(value.text == text)
        #expect(try JSONText.compact(value) == text)
        #expect(try JSONText.compact([value]) == "[\(text)]")
        let encoded = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        #expect(try JSONDecoder().decode(JSON.self, from: Data(encoded.utf8)) == value)
        #expect(value.intValue == (abs(number) <= 9_007_199_254_740_992 && number.rounded() == number ? Int(number) : nil))
    }

    @Test func refusesNumbersThatAreNotFinite() {
        #expect(throws: JSONText.Unencodable.self) { try JSONText.compact(["n": .number(.nan)]) }
        #expect(throws: JSONText.Unencodable.self) { try JSONText.compact([.number(-.infinity)]) }
    }
}
