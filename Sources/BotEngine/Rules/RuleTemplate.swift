import BotKit
import Mustache

/// A Mustache template from a rule, parsed at load and rendered as plain text against an event's scope.
///
/// Plain text, not HTML: swift-mustache escapes HTML unless told otherwise, and an email address, a
/// project name or a Slack message must arrive as written. A JSON receiver applies JSON string escaping
/// itself.
///
/// Rendering also reports every path that rendered empty because it was missing (or null), named from
/// the scope's root (`member.email`, `items.1.uid`); a name used inside a section that resolves nowhere
/// is reported as written. Names inside a section whose name carries a transform
/// (`{{#reversed(items)}}`) are not tracked.
///
/// swift-mustache parses every template (so its errors are the ones users see) and renders every
/// template with sections, comments, transforms or other tags; a flat template (text and plain
/// `{{path}}` tags, the common case) is rendered directly to the same output, which is several times
/// faster (``TemplateScanner/flat(_:)``; a test holds the two paths to the same output).
struct RuleTemplate: Sendable, CustomStringConvertible {
    /// Put before every template: the pragma switches this template to plain text. On a line of its own
    /// it is a standalone tag, so swift-mustache drops the whole line and the template's own first line
    /// keeps its meaning (a standalone tag there is still standalone); errors are one line further down.
    private static let textPragma = "{{% CONTENT_TYPE: TEXT }}\n"

    let source: String
    private let template: MustacheTemplate
    let nodes: [TemplateScanner.Node]
    /// Set for templates of text and plain variables only, which render without swift-mustache.
    private let flat: [TemplateScanner.FlatSegment]?

    var description: String { source }

    /// Whether a config string is a template at all; others stay literal and skip Mustache.
    static func isTemplate(_ text: String) -> Bool {
        text.contains("{{")
    }

    /// - Throws: ``ConfigProblem`` naming what is wrong and where in the template.
    init(_ source: String) throws(ConfigProblem) {
        self.source = source
        do {
            self.template = try MustacheTemplate(string: Self.textPragma + source)
        } catch let error as MustacheTemplate.ParserError {
            let context = error.context
            // Counted within the template, which the diagnostic's own file line does not say: a block
            // scalar's template starts on the line after its key.
            let line = max(1, context.lineNumber - 1)
            let place =
                source.contains("\n") ? "line \(line) of the template, column \(context.columnNumber)" : "column \(context.columnNumber)"
            throw ConfigProblem("bad template: \(Self.describe(error.error)) (at \(place))")
        } catch {
            throw ConfigProblem("bad template: \(error)")
        }
        // avala-bot has no partials: swift-mustache renders one as nothing, without a word, so a message
        // would go out with a hole where the author expected text.
        if let partial = TemplateScanner.partials(source).first {
            let tag = partial.isParent ? "{{<\(partial.name)}}" : "{{>\(partial.name)}}"
            throw ConfigProblem(
                "bad template: \(tag) is a Mustache partial, and avala-bot has none (it would render nothing): write the text out"
                    + " (at \(Self.place(ofScalar: partial.offset, in: source)))"
            )
        }
        self.nodes = TemplateScanner.scan(source)
        self.flat = TemplateScanner.flat(source)
    }

    /// `column 5`, or `line 2 of the template, column 5` in a template of several lines, as parse errors
    /// say it: for the character `offset` unicode scalars from the start.
    private static func place(ofScalar offset: Int, in source: String) -> String {
        var line = 1
        var column = 1
        for scalar in source.unicodeScalars.prefix(offset) {
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return source.contains("\n") ? "line \(line) of the template, column \(column)" : "column \(column)"
    }

    /// Renders against `scope` (an ``Event/scope``), appending the paths that were missing to `missing`.
    func render(_ scope: JSON, missing: inout [String]) -> String {
        guard let flat else { return renderWithMustache(scope, missing: &missing) }
        var text = ""
        for segment in flat {
            switch segment {
            case .text(let literal): text += literal
            case .variable(let path):
                // The same value swift-mustache would render: see `TemplateValue`.
                if let value = path.resolve(in: scope), value != .null {
                    text += value.text
                } else if !missing.contains(path.text) {
                    missing.append(path.text)
                }
            }
        }
        return text
    }

    /// Renders through swift-mustache, whatever the template's shape (the flat path's reference).
    func renderWithMustache(_ scope: JSON, missing: inout [String]) -> String {
        Self.collectMissing(nodes, contexts: [(scope, "")], into: &missing)
        return template.render(TemplateValue(scope))
    }

    /// Text every rendering starts and ends with, whatever the event: what comes before the first tag and
    /// after the last one. Whitespace next to the tag is left out of each, since a tag alone on its line
    /// takes the spaces before it and the line break after it out of the output; and no end after a
    /// set-delimiter tag (`{{=<% %>=}}`), past which the last `}}` need not close a tag. Empty when
    /// nothing is certain.
    var literalEnds: (prefix: String, suffix: String) {
        guard let open = source.firstRange(of: "{{") else { return (source, "") }
        let prefix = String(source[..<open.lowerBound].reversed().drop(while: Self.isWhitespace).reversed())
        guard !Self.setsDelimiters(source), let close = source.ranges(of: "}}").last else { return (prefix, "") }
        // A `}}` written as text after the last tag leaves less text after it: still text that always renders.
        return (prefix, String(source[close.upperBound...].drop(while: Self.isWhitespace)))
    }

    private static func isWhitespace(_ character: Character) -> Bool { character.isWhitespace }

    /// Whether a tag opens with `=` (set delimiters), spaces allowed before it.
    private static func setsDelimiters(_ source: String) -> Bool {
        var rest = source[...]
        while let open = rest.firstRange(of: "{{") {
            rest = rest[open.upperBound...]
            if rest.drop(while: { $0 == "{" || $0 == " " || $0 == "\t" }).first == "=" { return true }
        }
        return false
    }

    /// The names looked up from the scope's root outside any section, and the sections' own names:
    /// the paths `check-config` can check against what an event type carries.
    var rootPaths: [String] {
        nodes.compactMap { node in
            switch node {
            case .variable(let name), .section(let name, _, _, _): name.hasPrefix(".") || name.isEmpty ? nil : name
            }
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else {
            // swift-mustache's reader reports running off the end of the text as `overflow`.
            return "\(error)" == "overflow" ? "the template ends inside a tag" : "\(error)"
        }
        switch error {
        case .sectionCloseNameIncorrect: return "a section is closed with another name than it was opened with"
        case .unfinishedName: return "a tag is not finished or its name is malformed"
        case .expectedSectionEnd: return "a section is never closed"
        case .invalidSetDelimiter: return "bad set-delimiter tag"
        case .transformAppliedToInheritanceSection: return "a transform is applied to an inheritance block"
        case .illegalTokenInsideInheritSection, .textInsideInheritSection: return "unexpected content inside a parent block"
        case .invalidConfigVariableSyntax: return "bad pragma"
        case .unrecognisedConfigVariable: return "unknown pragma"
        }
    }

    /// Walks the template as swift-mustache renders it: a name is looked up in the innermost section's
    /// value first, then outwards to the root; a section renders for a present value other than false or
    /// an empty list, once per element of a list; an inverted section renders for the others.
    private static func collectMissing(_ nodes: [TemplateScanner.Node], contexts: [(JSON, String)], into missing: inout [String]) {
        for node in nodes {
            switch node {
            case .variable(let name):
                guard name != "." else { continue }
                let (value, path) = lookup(name, contexts)
                if value == nil || value == .null, !missing.contains(path) { missing.append(path) }
            case .section(_, _, true, _):
                continue
            case .section(let name, let inverted, false, let children):
                let (value, path) = lookup(name, contexts)
                let falsy: Bool
                switch value {
                case nil, .null?, .bool(false)?: falsy = true
                case .array(let items)?: falsy = items.isEmpty
                default: falsy = false
                }
                if inverted {
                    if falsy { collectMissing(children, contexts: contexts, into: &missing) }
                    continue
                }
                guard !falsy, let value else { continue }
                switch value {
                case .bool: collectMissing(children, contexts: contexts, into: &missing)
                case .array(let items):
                    // Enough elements to name what is missing, bounded so a huge list cannot stall a render.
                    for (index, item) in items.prefix(100).enumerated() {
                        collectMissing(children, contexts: contexts + [(item, "\(path).\(index)")], into: &missing)
                    }
                default: collectMissing(children, contexts: contexts + [(value, path)], into: &missing)
                }
            }
        }
    }

    /// The value of `name` and its path from the root, as swift-mustache resolves it.
    private static func lookup(_ name: String, _ contexts: [(JSON, String)]) -> (JSON?, String) {
        func join(_ base: String, _ name: String) -> String { base.isEmpty ? name : "\(base).\(name)" }
        let components = name.split(separator: ".").map(String.init)
        guard let (top, topPath) = contexts.last, let first = components.first else { return (nil, name) }
        if name.hasPrefix(".") {
            // `.name`: the current context only, no climbing.
            return (ScopePath.descend(top, components[...]).flatMap { $0 == .null ? nil : $0 }, join(topPath, String(name.dropFirst())))
        }
        for (context, contextPath) in contexts.reversed() {
            guard let head = ScopePath.descend(context, [first]), head != .null else { continue }
            return (ScopePath.descend(head, components.dropFirst()), join(contextPath, name))
        }
        return (nil, name)
    }
}
