import Foundation
import Logging

/// The pages of a list endpoint, fetched one at a time as they are consumed.
///
/// Follows the server's `next` link, whether it carries a `cursor` or a `page` number, but only to the
/// configured scheme, host and port: a `next` that points anywhere else has its query string re-issued
/// against the original path instead, so the API key never leaves for another host. Stops when `next` is
/// null, a page is empty, or `maxPages` pages were read (the last page then has `truncatedByCap`).
public struct PageSequence<Item: Decodable & Sendable>: AsyncSequence, Sendable {
    public typealias Element = Page<Item>

    let client: AvalaClient
    let first: AvalaRequest
    let maxPages: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(client: client, nextRequest: first, maxPages: maxPages)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let client: AvalaClient
        var nextRequest: AvalaRequest?
        let maxPages: Int
        var fetched = 0
        var seen: Set<String> = []

        public mutating func next() async throws -> Page<Item>? {
            guard let request = nextRequest else { return nil }
            nextRequest = nil
            var page = try await client.send(request, as: Page<Item>.self)
            fetched += 1
            seen.insert(request.path + "?" + (request.query ?? ""))
            guard let next = page.next, !next.isEmpty, !page.results.isEmpty else { return page }
            guard fetched < maxPages else {
                page.truncatedByCap = true
                client.logger.warning(
                    "Listing stopped at the page cap",
                    metadata: ["avala.request": "\(request.summary)", "pages.max": "\(maxPages)"]
                )
                return page
            }
            let following = client.followingRequest(after: request, next: next)
            if let following, !seen.contains(following.path + "?" + (following.query ?? "")) {
                nextRequest = following
            }
            return page
        }
    }
}

/// The elements of a list endpoint across all its pages; ``pages`` gives the pages themselves.
///
/// ```swift
/// for try await member in client.members(organization: "acme-ai") { … }
/// let all = try await client.exports().collect()
/// ```
public struct Paginated<Item: Decodable & Sendable>: AsyncSequence, Sendable {
    public typealias Element = Item
    public let pages: PageSequence<Item>

    public func makeAsyncIterator() -> Iterator {
        Iterator(pages: pages.makeAsyncIterator())
    }

    public struct Iterator: AsyncIteratorProtocol {
        var pages: PageSequence<Item>.Iterator
        var buffer: [Item] = []
        var index = 0

        public mutating func next() async throws -> Item? {
            while index >= buffer.count {
                guard let page = try await pages.next() else { return nil }
                buffer = page.results
                index = 0
            }
            defer { index += 1 }
            return buffer[index]
        }
    }

    /// Every element, in order.
    public func collect() async throws -> [Item] {
        var all: [Item] = []
        for try await item in self { all.append(item) }
        return all
    }
}

extension AvalaClient {
    func paginate<Item: Decodable & Sendable>(_ request: AvalaRequest, as: Item.Type = Item.self) -> Paginated<Item> {
        Paginated(pages: PageSequence(client: self, first: request, maxPages: max(configuration.maxPages, 1)))
    }

    /// The request for a `next` link: verbatim when it is on the configured origin and under the base
    /// path, otherwise its query string against the original path.
    func followingRequest(after request: AvalaRequest, next: String) -> AvalaRequest? {
        guard let components = URLComponents(string: next) else {
            logger.warning("Ignoring a malformed next link", metadata: ["avala.request": "\(request.summary)"])
            return nil
        }
        let base = configuration.baseURL
        let query = components.percentEncodedQuery
        if components.scheme == nil && components.host == nil {
            // A relative link: only its query is trusted.
            return AvalaRequest(method: .get, encodedPath: request.path, encodedQuery: query)
        }
        if base.isSameOrigin(components), components.percentEncodedPath.hasPrefix(base.path + "/"),
            let path = try? AvalaPath(validating: String(components.percentEncodedPath.dropFirst(base.path.count)))
        {
            return AvalaRequest(method: .get, encodedPath: path.encoded, encodedQuery: query)
        }
        logger.warning(
            "A next link points to another host; re-issuing its query against the configured base",
            metadata: ["avala.request": "\(request.summary)", "next.host": "\(components.host ?? "-")"]
        )
        return AvalaRequest(method: .get, encodedPath: request.path, encodedQuery: query)
    }
}
