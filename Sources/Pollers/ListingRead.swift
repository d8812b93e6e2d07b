import AvalaAPI
import Logging

/// The part of a listing one cycle read.
struct ListingRead<Item: Decodable & Sendable>: Sendable {
    var items: [Item] = []
    /// Pages fetched, one request each.
    var calls = 0
    /// The listing stopped before its end (the page cap, or a server that broke its own paging): what was
    /// not read is unknown, not absent.
    var truncated = false
    /// Why, when ``truncated``.
    var cut: ListingCut?
    /// `stop` (or `until`) matched: everything after is already known.
    var reachedWatermark = false
    /// The last page's `next` link when the page cap cut the listing: where the rest begins.
    var next: String?
}

extension PollerContext {
    /// Reads a listing page by page up to the schedule's page cap, warning when the listing is cut short.
    ///
    /// - Parameter stop: for lists ordered newest first, true for the first already-known item; the page
    ///   holding it is the last one read.
    /// - Parameter maxPages: fewer pages than the schedule's cap, when the cycle already spent some.
    /// - Parameter until: true when the items read so far (every page, in order) show the rest is
    ///   already known; asked after each page, for an end no single item shows.
    func read<Item: Decodable & Sendable>(
        _ listing: Paginated<Item>,
        poller: String,
        maxPages: Int? = nil,
        stop: ((Item) -> Bool)? = nil,
        until: (([Item]) -> Bool)? = nil
    ) async throws -> ListingRead<Item> {
        var read = ListingRead<Item>()
        let cap = maxPages ?? schedule.maxPages
        // The schedule's cap, not the client's: `max_pages` above the client's 50 must read that far.
        for try await page in listing.limited(toPages: cap).pages {
            read.calls += 1
            read.items.append(contentsOf: page.results)
            if let stop, page.results.contains(where: stop) {
                read.reachedWatermark = true
                break
            }
            if let until, until(read.items) {
                read.reachedWatermark = true
                break
            }
            if let cut = page.cut {
                read.truncated = true
                read.cut = cut
                if cut == .pageCap { read.next = page.next }
                break
            }
        }
        if read.truncated {
            if read.cut == .pageCap {
                logger.warning(
                    "Listing cut by the page cap; the rest is read next cycle or never",
                    metadata: ["poller.name": "\(poller)", "pages.max": "\(cap)", "items.count": "\(read.items.count)"]
                )
            } else {
                logger.warning(
                    "Listing cut short by the server's paging; what was not read is kept as it was",
                    metadata: [
                        "poller.name": "\(poller)", "listing.cut": "\(read.cut.map(String.init(describing:)) ?? "-")",
                        "items.count": "\(read.items.count)",
                    ]
                )
            }
        }
        return read
    }
}
