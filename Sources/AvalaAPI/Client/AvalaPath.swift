import Foundation

/// A request path below the base URL, built from segments that are each percent-encoded.
///
/// Slugs and uids come from events and config, so a segment like `../admin` or `a/b` must never change
/// which endpoint is called. Segments that are empty, `.` or `..` are refused; every other character
/// outside the unreserved set is percent-encoded. The result always ends in `/`, as every SDK path does
/// (a path without it would be answered with a redirect, which is never followed).
public struct AvalaPath: Hashable, Sendable, CustomStringConvertible {
    /// Encoded, starting and ending with `/`.
    public let encoded: String

    /// - Throws: ``AvalaError`` with code `.invalidRequest` for an empty, `.` or `..` segment.
    public init(_ segments: String...) throws(AvalaError) {
        try self.init(segments: segments)
    }

    public init(segments: [String]) throws(AvalaError) {
        var result = ""
        for segment in segments {
            guard !segment.isEmpty, segment != ".", segment != ".." else {
                throw .invalidRequest("path segment '\(segment)' is not allowed")
            }
            guard let encoded = segment.addingPercentEncoding(withAllowedCharacters: Self.allowed) else {
                throw .invalidRequest("path segment cannot be encoded")
            }
            result += "/" + encoded
        }
        self.encoded = result + "/"
    }

    /// A path of literal segments from this module's own endpoint table (`users`, `me`, `projects`):
    /// unreserved characters only, so there is nothing to refuse or encode.
    init(literals segments: [StaticString]) {
        self.encoded = segments.map { "/\($0)" }.joined() + "/"
    }

    /// A path already encoded, checked by the SDK's path rules; used for `next` links of the same origin.
    init(validating encoded: String) throws(AvalaError) {
        let lowered = encoded.lowercased()
        guard encoded.hasPrefix("/"), !encoded.hasPrefix("//"), !encoded.dropFirst().contains("//"), !encoded.contains("\r"),
            !encoded.contains("\n"), !encoded.contains("://"), !encoded.contains("/../"), !encoded.contains("/./"),
            !encoded.hasSuffix("/.."), !lowered.contains("%2e%2e")
        else {
            throw .invalidRequest("path '\(encoded.prefix(100))' is not allowed")
        }
        self.encoded = encoded
    }

    /// RFC 3986 unreserved characters: everything else in a segment is encoded.
    private static let allowed = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )

    public var description: String { encoded }
}
