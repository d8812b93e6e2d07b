/// "Did you mean …?" for unknown keys, operators and names in the config.
public enum Suggestion {
    /// The closest candidate within an edit distance of 2 (or a third of the word), or nil.
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        var best: (String, Int)?
        for candidate in candidates.sorted() {
            let distance = editDistance(Array(word), Array(candidate))
            if distance <= max(2, word.count / 3), distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        return best?.0
    }

    /// The candidate `word` is most likely a slip of: one edit or one swap of neighbouring letters away
    /// (two edits for a word of five letters or more), or nil. Stricter than ``closest(to:in:)``: it decides whether a
    /// name that may be legitimate (a field a webhook sender added) is warned about at all.
    public static func typo(of word: String, in candidates: some Sequence<String>) -> String? {
        let allowed = word.count >= 5 ? 2 : 1
        var best: (String, Int)?
        for candidate in candidates.sorted() where candidate != word {
            // Two letters swapped (`nmae`) is one slip, not the two edits it takes.
            let distance = isSwap(word, candidate) ? 1 : editDistance(Array(word), Array(candidate))
            if distance <= allowed, distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        return best?.0
    }

    /// Whether `a` is `b` with two neighbouring letters swapped.
    static func isSwap(_ a: String, _ b: String) -> Bool {
        let a = Array(a)
        let b = Array(b)
        guard a.count == b.count, let first = a.indices.first(where: { a[$0] != b[$0] }), first + 1 < a.count else { return false }
        return a[first] == b[first + 1] && a[first + 1] == b[first] && a[(first + 2)...] == b[(first + 2)...]
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
