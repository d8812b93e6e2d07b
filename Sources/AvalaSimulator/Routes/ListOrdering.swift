import Foundation

/// DRF's `OrderingFilter` for a list the simulator serves: `ordering=-created_at` sorts newest first,
/// `created_at` oldest first, several fields are separated by commas. A field the view does not allow
/// is dropped, as DRF drops it, and with none left the list keeps its default order; so does a tie.
struct ListOrdering<Item> {
    /// The fields the view allows, each as an ascending comparison.
    let fields: [String: @Sendable (Item, Item) -> ComparisonResult]

    func apply(_ items: [Item], ordering: String?) -> [Item] {
        let keys: [(compare: @Sendable (Item, Item) -> ComparisonResult, descending: Bool)] =
            (ordering ?? "").split(separator: ",").compactMap { part in
                let name = part.trimmingCharacters(in: .whitespaces)
                let descending = name.hasPrefix("-")
                guard let compare = fields[descending ? String(name.dropFirst()) : name] else { return nil }
                return (compare, descending)
            }
        guard !keys.isEmpty else { return items }
        // The position in the default order breaks ties, so the sort is stable whatever the algorithm.
        return items.enumerated().sorted { left, right in
            for key in keys {
                switch key.compare(left.element, right.element) {
                case .orderedSame: continue
                case .orderedAscending: return !key.descending
                case .orderedDescending: return key.descending
                }
            }
            return left.offset < right.offset
        }.map(\.element)
    }

    /// Compares optional dates; an absent one sorts first, as a null does in ascending SQL order here.
    static func date(_ value: @escaping @Sendable (Item) -> Date?) -> @Sendable (Item, Item) -> ComparisonResult {
        { left, right in
            switch (value(left), value(right)) {
            case (nil, nil): .orderedSame
            case (nil, _): .orderedAscending
            case (_, nil): .orderedDescending
            case let (left?, right?): left.compare(right)
            }
        }
    }
}
