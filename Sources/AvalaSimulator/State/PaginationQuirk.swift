/// A way a server can break its own paging (`PUT /_sim/pagination-quirk`), for tests of clients that must
/// not take a listing cut short for a complete one.
public enum PaginationQuirk: String, Codable, Hashable, Sendable {
    /// Every page after the first answers with the `next` link that led to it, so following it would loop.
    case repeatNext = "repeat_next"
    /// Every page after the first is empty but keeps the `next` link it would have had.
    case emptyPages = "empty_pages"
    /// A listing that takes `ordering` (`/webhook-deliveries/`) ignores it and lists oldest first, as a
    /// server would that does not support it and orders the other way by default.
    case oldestFirst = "oldest_first"
}
