import Foundation

/// Removes a receiver URL from text that may quote it: an answer's body (`Cannot POST /hooks/T0/<token>`)
/// or a transport error. The path and the query can each carry a token, and such text reaches outcomes,
/// the journal, the log, `/status` and dead letters, so every part that could is replaced, not only the
/// whole URL: the path with its query, the path, the query, each query value and each longer path segment,
/// as written and percent-decoded.
public struct URLRedaction: Sendable {
    /// Longest first, so that a part inside a longer one is never replaced before it.
    private let parts: [String]
    private let url: String

    public init(url: String) {
        self.url = url
        guard let components = URLComponents(string: url) else {
            parts = []
            return
        }
        var found: [String] = []
        let path = components.percentEncodedPath
        let query = components.percentEncodedQuery
        if let query, !query.isEmpty {
            found.append(path + "?" + query)
            found.append(query)
        }
        if path.count > 1 { found.append(path) }
        for item in components.queryItems ?? [] {
            if let value = item.value, value.count >= Self.shortestPart { found.append(value) }
        }
        for segment in path.split(separator: "/") where segment.count >= Self.shortestPart { found.append(String(segment)) }
        let decoded = found.compactMap { $0.removingPercentEncoding }
        parts = Set(found + decoded).filter { !$0.isEmpty && $0 != "/" }.sorted { ($0.count, $0) > ($1.count, $1) }
    }

    /// Path segments and query values shorter than this are left: too short to be a token, and common
    /// words of an answer's text.
    static let shortestPart = 6
    /// A cut-off ending shorter than this is left: too short to give a token away.
    static let shortestFragment = 4

    /// `text` with the whole URL as `whole` and each part of it as `part`. Text cut short (an answer kept
    /// up to a size) may end inside a part, where no whole part is left to find: such an ending (4
    /// characters or more of the start of the URL or a part) is dropped too.
    public func redact(_ text: String, whole: String, part: String = "<redacted>") -> String {
        var result = text
        for piece in [url] + parts {
            let longest = min(piece.count - 1, result.count)
            guard longest >= Self.shortestFragment else { continue }
            for length in stride(from: longest, through: Self.shortestFragment, by: -1) where result.hasSuffix(piece.prefix(length)) {
                result.removeLast(length)
                result += part
                break
            }
        }
        result = result.replacingOccurrences(of: url, with: whole)
        for piece in parts where result.contains(piece) {
            result = result.replacingOccurrences(of: piece, with: part)
        }
        return result
    }
}
