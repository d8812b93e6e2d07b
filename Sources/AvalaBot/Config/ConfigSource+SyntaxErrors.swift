import BotEngine
import Yams

/// What the YAML reader refuses, said at the file's line and column in words a config's author acts on.
extension ConfigSource {
    /// The reader's refusal at its own line and column, in its own words where they are plain, in ours
    /// where they are not (a tab, nesting too deep, a bracket or a quote never closed). Never Yams' description of
    /// the error: that quotes the line (or, for a key written twice, the whole file), and a line may hold
    /// a secret.
    static func syntaxDiagnostic(_ error: YamlError, file: String) -> ConfigDiagnostic {
        func at(_ line: Int, _ column: Int, _ message: String) -> ConfigDiagnostic {
            var diagnostic = ConfigDiagnostic(at: SourceLocation(file: file, line: line, column: column), path: "", message)
            diagnostic.showsColumn = true
            return diagnostic
        }
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigDiagnostic(
                at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
                path: "",
                "key '\(duplicates.joined(separator: "', '"))' is written twice in one mapping"
            )
        case .scanner(let context, let problem, let mark, let yaml), .parser(let context, let problem, let mark, let yaml),
            .composer(let context, let problem, let mark, let yaml):
            let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
            if let tab = tabIndenting(mark, problem: problem, lines: lines) {
                return at(tab.line, tab.column, "not valid YAML: a tab indents this line: YAML indentation must be spaces")
            }
            if problem.hasPrefix("Maximum nesting level reached") {
                // libyaml's words name its C function that sets the limit.
                return at(mark.line, mark.column, "not valid YAML: mappings and lists are nested too deep for the YAML reader")
            }
            if let context, let unclosed = unclosedFlow(context, problem: problem, mark: mark, lines: lines) {
                if let opened = unclosed.opened { return at(opened.line, opened.column, unclosed.message) }
                return at(mark.line, mark.column, unclosed.message)
            }
            if let context, let unclosed = unclosedQuote(context, problem: problem, mark: mark, lines: lines) {
                return at(unclosed.line, unclosed.column, unclosed.message)
            }
            guard let context else { return at(mark.line, mark.column, "not valid YAML: \(problem)") }
            let opened = context.mark.line == mark.line ? "" : " (line \(context.mark.line))"
            return at(mark.line, mark.column, "not valid YAML: \(context.text)\(opened): \(problem)")
        case .reader(let problem, let offset, _, let yaml):
            let (line, column) = offset.map { lineAndColumn(ofCharacter: $0, in: yaml) } ?? (1, 1)
            return at(line, column, "not valid YAML: \(problem)")
        case .memory:
            return at(1, 1, "not valid YAML: the YAML reader ran out of memory")
        default:
            return at(1, 1, "cannot be read as YAML")
        }
    }

    /// Where a tab indents the line the reader refused, when a tab is what it refused: the character at
    /// `mark` is a tab in the line's indentation, or the reader says it met a tab. Libyaml's own words
    /// ("found character that cannot start any token") do not say so.
    private static func tabIndenting(_ mark: Mark, problem: String, lines: [[Unicode.Scalar]]) -> (line: Int, column: Int)? {
        guard lines.indices.contains(mark.line - 1) else { return nil }
        let line = lines[mark.line - 1]
        let indentation = line.prefix { $0 == " " || $0 == "\t" }
        guard let tab = indentation.firstIndex(of: "\t") else { return nil }
        let atTab = mark.column - 1 < line.count && line[mark.column - 1] == "\t"
        guard atTab || problem.contains("tab") else { return nil }
        return (mark.line, tab + 1)
    }

    /// A flow mapping or list (`{ a: 1`, `[a, b`) the reader found not closed: pointed at where it was
    /// opened when the file ends inside it, with what to look for. Nil for anything else (a comma missing
    /// on the line it opened on reads as the reader says it).
    private static func unclosedFlow(
        _ context: YamlError.Context,
        problem: String,
        mark: Mark,
        lines: [[Unicode.Scalar]]
    ) -> (opened: (line: Int, column: Int)?, message: String)? {
        let open: Unicode.Scalar
        let close: Character
        switch context.text {
        case "while parsing a flow mapping": (open, close) = ("{", "}")
        case "while parsing a flow sequence": (open, close) = ("[", "]")
        default: return nil
        }
        guard problem.hasPrefix("did not find expected"), context.mark.line != mark.line else { return nil }
        // The rest of the file from where the reader stopped: nothing but blanks and comments means the
        // file ended inside the brackets.
        var rest: [ArraySlice<Unicode.Scalar>] = []
        if lines.indices.contains(mark.line - 1) { rest.append(lines[mark.line - 1].dropFirst(mark.column - 1)) }
        rest += lines.dropFirst(mark.line).map { $0[...] }
        let endsInside = rest.allSatisfy { line in
            let text = line.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
            return text.isEmpty || text.first == "#"
        }
        let openedLine = lines.indices.contains(context.mark.line - 1) ? lines[context.mark.line - 1] : []
        let found = openedLine.indices.contains(context.mark.column - 1) && openedLine[context.mark.column - 1] == open
        guard endsInside else {
            let place = found ? " opened at line \(context.mark.line), column \(context.mark.column)" : " opened earlier"
            return (nil, "not valid YAML: expected ',' or '\(close)' here, inside the \(open)\(place): is it closed?")
        }
        guard found else { return (nil, "not valid YAML: a \(open) opened earlier is never closed: the file ends before its '\(close)'") }
        return ((context.mark.line, context.mark.column), "not valid YAML: this \(open) is never closed: the file ends before its '\(close)'")
    }

    /// A quoted string (`"…` or `'…`) the reader found not closed, pointed at its opening quote: the
    /// reader notices only where the file (or the document, at a `---`) ends, far from the quote to fix,
    /// and that place is said too. Nil for anything else (an escape a double-quoted string does not
    /// know is at its own place).
    private static func unclosedQuote(
        _ context: YamlError.Context,
        problem: String,
        mark: Mark,
        lines: [[Unicode.Scalar]]
    ) -> (line: Int, column: Int, message: String)? {
        guard context.text == "while scanning a quoted scalar" else { return nil }
        let ends: String
        if problem.hasPrefix("found unexpected end of stream") {
            ends = "the file ends"
        } else if problem.hasPrefix("found unexpected document indicator") {
            let indicator = lines.indices.contains(mark.line - 1) && lines[mark.line - 1].starts(with: Array("...".unicodeScalars)) ? "..." : "---"
            ends = "the '\(indicator)' at line \(mark.line) ends the document"
        } else {
            return nil
        }
        let openedLine = lines.indices.contains(context.mark.line - 1) ? lines[context.mark.line - 1] : []
        guard openedLine.indices.contains(context.mark.column - 1), ["\"", "'"].contains(openedLine[context.mark.column - 1]) else {
            return (
                mark.line, mark.column,
                "not valid YAML: a quoted string opened at line \(context.mark.line) is never closed: \(ends) before its closing quote"
            )
        }
        let quote = openedLine[context.mark.column - 1]
        return (context.mark.line, context.mark.column, "not valid YAML: this \(quote) is never closed: \(ends) before its closing \(quote)")
    }

    /// The 1-based line and column of the character at `offset` in `text`.
    static func lineAndColumn(ofCharacter offset: Int, in text: String) -> (Int, Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}
