import BotKit
import Foundation

/// Parses a delivery's raw body, and says where it is broken when it is.
enum JSONBody {
    /// A body that is not JSON: where, and what the parser said.
    struct Malformed: Error, Hashable, Sendable {
        /// Byte offset of the error, when the parser named one.
        var offset: Int?
        var line: Int?
        var column: Int?
        var message: String

        /// `malformed JSON at line 2, column 7 (byte 15): Invalid value`.
        var description: String {
            guard let offset, let line, let column else { return "malformed JSON: \(message)" }
            return "malformed JSON at line \(line), column \(column) (byte \(offset)): \(message)"
        }
    }

    static func parse(_ bytes: [UInt8]) throws(Malformed) -> JSON {
        guard bytes.contains(where: { !Self.isWhitespace($0) }) else { throw Malformed(message: "empty body") }
        let data = Data(bytes)
        do {
            return try JSONDecoder().decode(JSON.self, from: data)
        } catch {
            throw locate(data, bytes: bytes)
        }
    }

    /// JSONDecoder's error names no position; JSONSerialization's message does ("… around character 15."),
    /// so the slow path asks it, only for bodies already known to be broken.
    private static func locate(_ data: Data, bytes: [UInt8]) -> Malformed {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return Malformed(message: "not decodable as JSON")
        } catch {
            let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "invalid JSON"
            var message = text
            var offset: Int?
            if let range = text.range(of: " around character ") {
                message = String(text[..<range.lowerBound])
                offset = Int(text[range.upperBound...].prefix { $0.isNumber })
            }
            guard let offset else { return Malformed(message: message) }
            let clamped = min(max(0, offset), bytes.count)
            let before = bytes[..<clamped]
            let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            return Malformed(offset: offset, line: line, column: clamped - lineStart + 1, message: message)
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
