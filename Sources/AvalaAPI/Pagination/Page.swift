/// One page of a list endpoint.
///
/// Decodes the DRF envelope `{next, previous, results, count?}` and, because one documented endpoint
/// answers with it, a bare JSON array (a single, last page).
public struct Page<Element: Decodable & Sendable>: Decodable, Sendable {
    public var results: [Element]
    /// The absolute URL of the next page, as the server wrote it.
    public var next: String?
    public var previous: String?
    /// Total count, on page-number endpoints.
    public var count: Int?
    /// Set on the last page read when the listing stopped although the server had more (or may have).
    public var cut: ListingCut?
    /// True when this is the last page the page cap allowed although the server had more.
    public var truncatedByCap: Bool { cut == .pageCap }

    public init(results: [Element], next: String? = nil, previous: String? = nil, count: Int? = nil) {
        self.results = results
        self.next = next
        self.previous = previous
        self.count = count
    }

    public init(from decoder: any Decoder) throws {
        // A bare array is a page of its own; decode it for real so a bad element is reported as such.
        if (try? decoder.unkeyedContainer()) != nil {
            self.init(results: try decoder.singleValueContainer().decode([Element].self))
            return
        }
        let c = try FlexibleContainer(decoder)
        self.init(
            results: try c.required("results"),
            next: try c.optional("next"),
            previous: try c.optional("previous"),
            count: c.lenient("count")
        )
    }
}
