import AvalaAPI
import Foundation
import Hummingbird

/// Pages a list the way Avala's API does: DRF cursor pagination with absolute `next` links, or page
/// numbers where the real API uses them (organizations).
///
/// A cursor is opaque, URL-safe and carries the offset and page size itself, because the official SDK
/// sends only `cursor=` back (no `limit`, no filters). A page-number endpoint also reads `cursor=<n>`, which
/// is how the SDK returns a page number it found in `next`.
struct Paginator {
    enum Style {
        case cursor
        case pageNumber(pageSize: Int)
    }

    /// Everything up to the API root, e.g. `http://127.0.0.1:8787/api/v1`.
    let linkBase: String
    /// A test's way to break paging; nil pages correctly.
    var quirk: PaginationQuirk?
    static let defaultLimit = 100
    static let maxLimit = 1_000

    func page<Item: Encodable>(_ items: [Item], request: Request, style: Style = .cursor) throws(SimulatorError) -> Response {
        let query = request.uri.queryParameters
        let requestedLimit = query.get("limit").flatMap { Int($0) }.map { min(max($0, 1), Self.maxLimit) }
        let offset: Int
        let limit: Int
        var ownCursor: String?
        switch style {
        case .cursor:
            if let cursor = query.get("cursor"), !cursor.isEmpty {
                guard let position = Self.decodeCursor(cursor) else { throw .detail(.notFound, "Invalid cursor") }
                ownCursor = cursor
                offset = position.offset
                limit = requestedLimit ?? position.limit
            } else {
                offset = 0
                limit = requestedLimit ?? Self.defaultLimit
            }
        case .pageNumber(let pageSize):
            limit = requestedLimit ?? pageSize
            let pageText = query.get("page") ?? query.get("cursor") ?? "1"
            guard let number = Int(pageText), number >= 1, number == 1 || (number - 1) * limit < items.count else {
                throw .detail(.notFound, "Invalid page.")
            }
            offset = (number - 1) * limit
        }
        var slice = offset < items.count ? Array(items[offset..<min(items.count, offset + limit)]) : []
        let end = offset + slice.count
        if quirk == .emptyPages, offset > 0 { slice = [] }
        var next: String?
        var previous: String?
        switch style {
        case .cursor:
            if end < items.count { next = link(request, replacing: "cursor", with: Self.encodeCursor(offset: end, limit: limit)) }
            if quirk == .repeatNext, end < items.count, let ownCursor { next = link(request, replacing: "cursor", with: ownCursor) }
            if offset > 0 {
                previous = link(request, replacing: "cursor", with: Self.encodeCursor(offset: max(0, offset - limit), limit: limit))
            }
        case .pageNumber:
            let number = offset / limit + 1
            if end < items.count { next = link(request, replacing: "page", with: String(number + 1)) }
            if quirk == .repeatNext, end < items.count, number > 1 { next = link(request, replacing: "page", with: String(number)) }
            if number > 1 { previous = link(request, replacing: "page", with: String(number - 1)) }
        }
        var count: Int?
        if case .pageNumber = style { count = items.count }
        return SimulatorResponse.json(Envelope(next: next, previous: previous, results: slice, count: count))
    }

    /// DRF's list envelope; `next` and `previous` are written as null, never left out.
    struct Envelope<Item: Encodable>: Encodable {
        let next: String?
        let previous: String?
        let results: [Item]
        let count: Int?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(next, forKey: .next)
            try container.encode(previous, forKey: .previous)
            try container.encode(results, forKey: .results)
            try container.encodeIfPresent(count, forKey: .count)
        }

        enum CodingKeys: String, CodingKey { case next, previous, results, count }
    }

    /// The request's own URL on the link base, with one parameter replaced and the others kept.
    private func link(_ request: Request, replacing name: String, with value: String) -> String {
        let path =
            request.uri.path.hasPrefix(AvalaSimulator.apiRoot)
            ? String(request.uri.path.dropFirst(AvalaSimulator.apiRoot.count)) : request.uri.path
        var pairs: [String] = []
        for (key, item) in request.uri.queryParameters where key != Substring(name) && key != "cursor" && key != "page" {
            pairs.append("\(Self.escape(String(key)))=\(Self.escape(String(item)))")
        }
        pairs.append("\(name)=\(Self.escape(value))")
        return linkBase + path + "?" + pairs.joined(separator: "&")
    }

    static func encodeCursor(offset: Int, limit: Int) -> String {
        Data("o=\(offset)&l=\(limit)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ cursor: String) -> (offset: Int, limit: Int)? {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        var offset: Int?
        var limit: Int?
        for part in text.split(separator: "&") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, let value = Int(pair[1]), value >= 0 else { return nil }
            if pair[0] == "o" { offset = value } else if pair[0] == "l" { limit = min(max(value, 1), maxLimit) }
        }
        guard let offset, let limit else { return nil }
        return (offset, limit)
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(
            withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        )
            ?? text
    }
}
