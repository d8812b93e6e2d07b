/// Why a listing stopped although the server had not said it ended.
///
/// What was not read is unknown, not absent: a caller that compares a listing with what it knew before
/// must not take an item that was not listed for one that is gone.
public enum ListingCut: String, Hashable, Sendable, CustomStringConvertible {
    /// The configured page cap was reached.
    case pageCap = "page_cap"
    /// The server sent a `next` link the listing had already followed; following it again would loop.
    case repeatedNext = "repeated_next_link"
    /// The server sent a `next` link that is not a URL.
    case malformedNext = "malformed_next_link"
    /// A page held no items but still had a `next` link.
    case emptyPageWithNext = "empty_page_with_next_link"
    /// A page reached through a `next` link held no items: the server promised more than it sent, or
    /// items moved while the pages were read. Either way the listing is not known to be whole.
    case emptyLastPage = "empty_last_page"

    public var description: String { rawValue }
}
