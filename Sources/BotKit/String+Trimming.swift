extension String {
    /// Without leading and trailing spaces, tabs and newlines (no Foundation needed). For the package's
    /// own parsers (durations, rules, templates, roster files), not part of the plugin API.
    package var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
