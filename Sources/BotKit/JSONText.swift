/// Compact JSON text for ``JSON``, written directly: what `compactJSON` and the store write.
///
/// `JSONEncoder` goes through `Encodable` boxing for every value, and on the ingest path that was about
/// a quarter of all CPU time (measured at 50,000 events from 8 tasks). This writes the same compact form
/// (object keys sorted, slashes unescaped, whole numbers without a fraction) in one pass. Its reading
/// counterpart is ``JSON/parse(_:)``.
package enum JSONText {
    /// A value JSON cannot carry: a number that is not finite.
    package struct Unencodable: Error {}

    package static func compact(_ value: JSON) throws(Unencodable) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        try write(value, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    private static func write(_ value: JSON, to output: inout [UInt8]) throws(Unencodable) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number):
            guard number.isFinite else { throw Unencodable() }
            // As `JSON.encode(to:)`: whole numbers as integers, so counts and ids read back as written.
            if let whole = JSON.wholeNumber(number) {
                output.append(contentsOf: String(whole).utf8)
            } else {
                output.append(contentsOf: "\(number)".utf8)
            }
        case .integer(let whole): output.append(contentsOf: String(whole).utf8)
        case .string(let text): writeString(text, to: &output)
        case .array(let items):
            output.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                try write(item, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                if let member = members[key] { try write(member, to: &output) }
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Quotes, escaping what JSON requires (quote, backslash, control characters) and nothing else.
    ///
    /// Runs of bytes that need no escape are copied whole: webhook bodies are mostly such runs, and
    /// appending them byte by byte was the larger part of encoding an event.
    private static func writeString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                runStart = index + 1
                writeEscape(byte, to: &output)
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func writeEscape(_ byte: UInt8, to output: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
        case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
        case 0x0A: output.append(contentsOf: #"\n"#.utf8)
        case 0x0D: output.append(contentsOf: #"\r"#.utf8)
        case 0x09: output.append(contentsOf: #"\t"#.utf8)
        default:
            output.append(contentsOf: #"\u00"#.utf8)
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0x0F)])
        }
    }
}
