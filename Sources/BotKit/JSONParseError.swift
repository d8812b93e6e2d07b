/// Why ``JSON/parse(_:)`` refused a body, and where: the first byte at which the text stops being JSON.
///
/// ```swift
/// // {"a":
/// //   "b}
/// error.description   // "line 2, column 3 (byte 8): unterminated string"
/// ```
public struct JSONParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Byte offset of the error, 0-based.
    public var offset: Int
    /// 1-based; only `\n` starts a line, so a `\r\n` body counts the same as a `\n` one.
    public var line: Int
    /// 1-based, in bytes (not characters) from the start of the line.
    public var column: Int
    /// What is wrong, without the position: `unterminated string`, `expected ':' after object key`.
    public var message: String

    public init(offset: Int, line: Int, column: Int, message: String) {
        self.offset = offset
        self.line = line
        self.column = column
        self.message = message
    }

    /// `line 2, column 7 (byte 15): unterminated string`.
    public var description: String {
        "line \(line), column \(column) (byte \(offset)): \(message)"
    }

    /// The error at `offset` in `bytes`, with line and column counted from the bytes before it.
    ///
    /// Only the error path counts lines, so parsing a good body never pays for positions.
    init(at offset: Int, in bytes: UnsafeBufferPointer<UInt8>, _ message: String) {
        let offset = min(max(0, offset), bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<offset where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        self.init(offset: offset, line: line, column: offset - lineStart + 1, message: message)
    }
}
