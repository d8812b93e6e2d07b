import BotKit
import Foundation

/// Parses a delivery's raw body, and says where it is broken when it is.
enum JSONBody {
    /// A body that is not JSON: where, and what the parser said.
    struct Malformed: Error, Hashable, Sendable {
        /// Byte offset of the error; nil for an empty body.
        var offset: Int?
        var line: Int?
        var column: Int?
        var message: String

        /// `malformed JSON at line 2, column 7 (byte 15): unexpected character 'o'`.
        var description: String {
            guard let offset, let line, let column else { return "malformed JSON: \(message)" }
            return "malformed JSON at line \(line), column \(column) (byte \(offset)): \(message)"
        }
    }

    /// BotKit's byte parser: strict RFC 8259, the position of the first bad byte, and about 20 times
    /// faster than `JSONDecoder` on a webhook body (it was the listener's largest single cost).
    static func parse(_ bytes: [UInt8]) throws(Malformed) -> JSON {
        guard bytes.contains(where: { !Self.isWhitespace($0) }) else { throw Malformed(message: "empty body") }
        do {
            return try JSON.parse(bytes)
        } catch {
            throw Malformed(offset: error.offset, line: error.line, column: error.column, message: error.message)
        }
    }

    /// The media type of a `Content-Type` that is not JSON (`application/x-www-form-urlencoded`), or nil
    /// when there is none or it is JSON (`application/json`, `text/json`, `…+json`). A type that is long
    /// or not plain ASCII is not repeated: it comes from the sender and goes to the log.
    static func nonJSONMediaType(_ contentType: String?) -> String? {
        guard let contentType else { return nil }
        let type = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard !type.isEmpty, type != "application/json", type != "text/json", !type.hasSuffix("+json") else { return nil }
        let printable = type.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
        return printable && type.utf8.count <= 100 ? type : "(not a JSON type)"
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
