import BotEngine
import Foundation
import Yams

/// A key written twice in one mapping. The YAML reader refuses such a file as a whole, naming only the
/// first of the keys, without its key path; so the second key is renamed in the text and the file read
/// again. Each one renamed is reported at its own line with its key path, and left out, and the rest of
/// the file is checked as usual: one run lists every problem.
extension ConfigSource {
    /// At most this many keys written twice are renamed; one more ends the check with the reader's error.
    static let maxDuplicateKeys = 32

    /// A key renamed so that the file can be read: `on` → `on__avala_bot_duplicate_1__`.
    struct RenamedKey {
        var key: String
        var marker: String
        var firstLine: Int
    }

    /// The tree of `text`, with the keys written twice renamed (see ``RenamedKey``).
    static func composeRenamingDuplicates(_ text: String) throws -> (Node?, [RenamedKey]) {
        var text = text
        var renamed: [RenamedKey] = []
        while true {
            do {
                return (try Yams.compose(yaml: text), renamed)
            } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
                guard renamed.count < maxDuplicateKeys, let key = duplicates.first,
                    let (renamedText, marker) = renamingSecond(key, after: context.mark, in: text, number: renamed.count + 1)
                else { throw YamlError.duplicatedKeysInMapping(duplicates: duplicates, context: context) }
                text = renamedText
                renamed.append(RenamedKey(key: key, marker: marker, firstLine: context.mark.line))
            }
        }
    }

    /// `text` with the next `key:` after the one at `mark` renamed, and the new name; nil when none is
    /// found. A key in block style is looked for at the same column on the lines below, up to the end of
    /// its mapping (a line indented less); one in flow style (`{on: a, on: b}`) further on its line.
    static func renamingSecond(_ key: String, after mark: Mark, in text: String, number: Int) -> (String, String)? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        let lineIndex = mark.line - 1
        let column = mark.column - 1
        guard lines.indices.contains(lineIndex), column >= 0, column <= lines[lineIndex].count else { return nil }
        let marker = "\(key)__avala_bot_duplicate_\(number)__"
        let forms = [key, "\"\(key)\"", "'\(key)'"].map { Array($0.unicodeScalars) }
        /// The length of the key form written at `start` of `line` and followed by a colon, if any.
        func keyLength(in line: [Unicode.Scalar], at start: Int) -> Int? {
            for form in forms where start + form.count <= line.count && Array(line[start..<start + form.count]) == form {
                var end = start + form.count
                while end < line.count, line[end] == " " { end += 1 }
                if end < line.count, line[end] == ":" { return form.count }
            }
            return nil
        }
        func rename(line index: Int, at start: Int, length: Int) -> (String, String) {
            let written = String(String.UnicodeScalarView(lines[index][start..<start + length]))
            let replacement = written.replacingOccurrences(of: key, with: marker)
            lines[index].replaceSubrange(start..<start + length, with: Array(replacement.unicodeScalars))
            return (lines.map { String(String.UnicodeScalarView($0)) }.joined(separator: "\n"), marker)
        }
        let first = lines[lineIndex]
        let blockStyle = first[..<column].allSatisfy { $0 == " " || $0 == "-" }
        if blockStyle {
            for index in (lineIndex + 1)..<lines.count {
                let line = lines[index]
                let indent = line.prefix { $0 == " " }.count
                if indent == line.count || line[indent] == "#" { continue }
                if indent < column { return nil }
                if indent == column, let length = keyLength(in: line, at: column) { return rename(line: index, at: column, length: length) }
            }
            return nil
        }
        // Flow style: the next `key:` on the line that starts after a `{` or a `,`.
        var index = column + 1
        while index < first.count {
            let before = first[..<index].last { $0 != " " }
            if before == "{" || before == ",", let length = keyLength(in: first, at: index) {
                return rename(line: lineIndex, at: index, length: length)
            }
            index += 1
        }
        return nil
    }

    /// `node` without the entries of renamed keys, each reported as written twice at its own line.
    static func removingRenamed(
        _ node: ConfigNode,
        path: String,
        renamed: [RenamedKey],
        into diagnostics: inout [ConfigDiagnostic]
    ) -> ConfigNode {
        switch node {
        case .scalar: return node
        case .sequence(let items, let location):
            return .sequence(
                items.enumerated().map { removingRenamed($1, path: "\(path)[\($0)]", renamed: renamed, into: &diagnostics) },
                location
            )
        case .mapping(let entries, let location):
            var kept: [ConfigNode.Entry] = []
            for var entry in entries {
                if let rename = renamed.first(where: { $0.marker == entry.key }) {
                    let keyPath = path.isEmpty ? rename.key : "\(path).\(rename.key)"
                    diagnostics.append(
                        ConfigDiagnostic(
                            at: entry.keyLocation,
                            path: keyPath,
                            "key '\(rename.key)' is written twice in one mapping (first on line \(rename.firstLine)); this one is left out"
                        )
                    )
                    continue
                }
                entry.value = removingRenamed(
                    entry.value,
                    path: path.isEmpty ? entry.key : "\(path).\(entry.key)",
                    renamed: renamed,
                    into: &diagnostics
                )
                kept.append(entry)
            }
            return .mapping(kept, location)
        }
    }
}
