/// A silence matcher's value: literal text, or a glob when it contains `*` (any run of characters,
/// including none).
///
/// Only `*` is special, so a value like `v1.2?` or `[prod]` matches itself: silences are written by
/// hand, often in a hurry, and a surprise wildcard would silence more than meant.
struct AlertGlob: Hashable, Sendable {
    let pattern: String

    init(_ pattern: String) {
        self.pattern = pattern
    }

    var isGlob: Bool { pattern.contains("*") }

    func matches(_ text: String) -> Bool {
        guard isGlob else { return text == pattern }
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(Array.init)
        let characters = Array(text)
        // Greedy with the first part anchored at the start and the last at the end: enough for `*` alone.
        guard let first = parts.first, let last = parts.last, characters.count >= first.count + last.count,
            characters.starts(with: first), characters.reversed().starts(with: last.reversed())
        else { return false }
        var index = first.count
        let end = characters.count - last.count
        for part in parts.dropFirst().dropLast() where !part.isEmpty {
            guard let found = Self.find(part, in: characters, from: index, before: end) else { return false }
            index = found + part.count
        }
        return index <= end
    }

    private static func find(_ part: [Character], in characters: [Character], from start: Int, before end: Int) -> Int? {
        guard end - start >= part.count else { return nil }
        for offset in start...(end - part.count) where characters[offset..<(offset + part.count)].elementsEqual(part) {
            return offset
        }
        return nil
    }
}
