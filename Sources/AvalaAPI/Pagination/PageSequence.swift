import Foundation
import Logging

/// The pages of a list endpoint, fetched one at a time as they are consumed.
///
/// Follows the server's `next` link, whether it carries a `cursor` or a `page` number, but only to the
/// configured scheme, host and port: a `next` that points anywhere else has its query string re-issued
/// against the original path instead, so the API key never leaves for another host. Stops when `next` is
/// null; stops early, marking the last page's ``Page/cut``, when `maxPages` pages were read, a page is
/// empty but has a `next`, or `next` is malformed or one already followed. A last page that is empty
/// though a `next` led to it is marked too: the listing ends there, but it is not known to be whole.
public struct PageSequence<Item: Decodable & Sendable>: AsyncSequence, Sendable {
    public typealias Element = Page<Item>

    let client: AvalaClient
    let first: AvalaRequest
    var maxPages: Int
    /// The caller set the cap and warns when it cuts: the cut is then logged at debug only.
    var callerReportsCap = false

    public func makeAsyncIterator() -> Iterator {
        Iterator(client: client, nextRequest: first, maxPages: maxPages, callerReportsCap: callerReportsCap)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let client: AvalaClient
        var nextRequest: AvalaRequest?
        let maxPages: Int
        let callerReportsCap: Bool
        var fetched = 0
        var seen: Set<String> = []

        public mutating func next() async throws -> Page<Item>? {
            guard let request = nextRequest else { return nil }
            nextRequest = nil
            let page = try await client.send(request, as: Page<Item>.self)
            fetched += 1
            seen.insert(request.path + "?" + (request.query ?? ""))
            guard let next = page.next, !next.isEmpty else {
                return page.results.isEmpty && fetched > 1 ? cut(page, .emptyLastPage, request: request) : page
            }
            // Each case below ends the listing early. Saying so on the page matters: a caller that took
            // the listing for complete would treat every item it did not read as gone.
            guard !page.results.isEmpty else { return cut(page, .emptyPageWithNext, request: request) }
            guard fetched < maxPages else { return cut(page, .pageCap, request: request) }
            guard let following = client.followingRequest(after: request, next: next) else {
                return cut(page, .malformedNext, request: request)
            }
            guard !seen.contains(following.path + "?" + (following.query ?? "")) else {
                return cut(page, .repeatedNext, request: request)
            }
            nextRequest = following
            return page
        }

        private func cut(_ page: Page<Item>, _ reason: ListingCut, request: AvalaRequest) -> Page<Item> {
            var page = page
            page.cut = reason
            if reason == .pageCap {
                client.logger.log(
                    level: callerReportsCap ? .debug : .warning,
                    "Listing stopped at the page cap",
                    metadata: ["avala.request": "\(request.summary)", "pages.max": "\(maxPages)"]
                )
            } else {
                client.logger.warning(
                    "Listing stopped before its end",
                    metadata: ["avala.request": "\(request.summary)", "listing.cut": "\(reason)", "pages.read": "\(fetched)"]
                )
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

    /// The same listing, stopped after `maxPages` pages instead of the client's cap; the caller warns
    /// when that cap cuts it (the last page's ``Page/cut`` is `.pageCap`).
    public func limited(toPages maxPages: Int) -> Paginated<Item> {
        var pages = self.pages
        pages.maxPages = Swift.max(maxPages, 1)
        pages.callerReportsCap = true
        return Paginated(pages: pages)
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
        // The caller marks the listing cut and logs why; the link itself is not logged (it is server text).
        guard let components = URLComponents(string: next) else { return nil }
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
