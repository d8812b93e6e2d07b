import BotKit

/// Reads the names a Mustache template looks up, with their section nesting, so that rendering can say
/// exactly which paths were missing and `check-config` can warn about paths an event never carries.
///
/// swift-mustache keeps its tokens to itself, so this is a second, small reader of the same syntax:
/// variables (`{{a.b}}`, `{{{a}}}`, `{{&a}}`, with transforms like `{{uppercased(a)}}`), sections
/// (`{{#a}}`, `{{^a}}`), blocks (`{{$a}}`), comments, pragmas, partials and delimiter changes
/// (`{{=<% %>=}}`). It runs only on templates swift-mustache has already accepted.
enum TemplateScanner {
    indirect enum Node: Hashable, Sendable {
        case variable(String)
        /// `transformed`: the section name had a transform (`{{#reversed(items)}}`), so whether and how
        /// often its content renders is not known here.
        case section(String, inverted: Bool, transformed: Bool, [Node])
    }

    /// A piece of a flat template: one that has only text and plain variable tags.
    enum FlatSegment: Hashable, Sendable {
        case text(String)
        case variable(ScopePath)
    }

    private enum Frame {
        case section(String, inverted: Bool, transformed: Bool)
        /// `{{$block}}`: its default content renders in place.
        case block
        /// `{{<parent}}`: overrides for a partial; with no partial library nothing in it renders.
        case discarded
    }

    /// A partial tag (`{{> name}}`, or a parent `{{< name}}`): where its `{{` is (in unicode scalars from
    /// the template's start) and the name it gives.
    struct Partial: Hashable, Sendable {
        var name: String
        var offset: Int
        /// `{{<`: a parent, whose overrides fill in a partial.
        var isParent: Bool
    }

    static func scan(_ template: String) -> [Node] { read(template).nodes }

    /// The partial tags of `template`, in order.
    static func partials(_ template: String) -> [Partial] { read(template).partials }

    private static func read(_ template: String) -> (nodes: [Node], partials: [Partial]) {
        var partials: [Partial] = []
        let text = Array(template.unicodeScalars)
        var open = Array("{{".unicodeScalars)
        var close = Array("}}".unicodeScalars)
        var stack: [(frame: Frame, nodes: [Node])] = [(.block, [])]
        var index = 0

        while let start = find(open, in: text, from: index) {
            var cursor = start + open.count
            guard cursor < text.count else { break }
            let sigil = text[cursor]
            if sigil == "=" {
                // `{{=<% %>=}}`: the new delimiters apply from the next tag on.
                guard let end = find(Array("=".unicodeScalars) + close, in: text, from: cursor + 1) else { break }
                let parts = String(String.UnicodeScalarView(text[(cursor + 1)..<end])).split(whereSeparator: { $0 == " " || $0 == "\t" })
                index = end + 1 + close.count
                if parts.count == 2 {
                    open = Array(parts[0].unicodeScalars)
                    close = Array(parts[1].unicodeScalars)
                }
                continue
            }
            if "{&#^/!%>$<".unicodeScalars.contains(sigil) { cursor += 1 }
            guard let end = find(close, in: text, from: cursor) else { break }
            index = end + close.count
            var content = String(String.UnicodeScalarView(text[cursor..<end])).trimmingWhitespace
            if sigil == "{" {
                // `{{{a}}}`: the third brace follows the closing delimiter.
                if index < text.count, text[index] == "}" { index += 1 }
                if content.hasSuffix("}") { content.removeLast() }
            }
            let (name, transformed) = untransformed(content)
            if sigil == ">" || sigil == "<" { partials.append(Partial(name: content, offset: start, isParent: sigil == "<")) }
            switch sigil {
            case "!", "%", ">": continue
            case "#", "^": stack.append((.section(name, inverted: sigil == "^", transformed: transformed), []))
            case "$": stack.append((.block, []))
            case "<": stack.append((.discarded, []))
            case "/":
                guard stack.count > 1, let popped = stack.popLast() else { continue }
                let nodes = popped.nodes
                switch popped.frame {
                case .section(let name, let inverted, let transformed):
                    stack[stack.count - 1].nodes.append(.section(name, inverted: inverted, transformed: transformed, nodes))
                case .block: stack[stack.count - 1].nodes += nodes
                case .discarded: break
                }
            default: stack[stack.count - 1].nodes.append(.variable(name))
            }
        }
        return (stack.first?.nodes ?? [], partials)
    }

    /// The template as text and variables, when it has nothing else: no sections, comments, partials,
    /// pragmas, delimiter changes, transforms or relative (`.name`) names. Nil otherwise.
    ///
    /// Most rule templates are flat (`Export {{export.uid}} failed`), and for them swift-mustache's
    /// output is exactly the text with each variable's value in place: a variable tag never makes its
    /// line standalone, so no whitespace is dropped, and plain text mode escapes nothing. Rendering
    /// those directly skips swift-mustache's dynamic lookups, several times faster.
    static func flat(_ template: String) -> [FlatSegment]? {
        let text = Array(template.unicodeScalars)
        let open = Array("{{".unicodeScalars)
        let close = Array("}}".unicodeScalars)
        func string(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(text[range])) }
        var segments: [FlatSegment] = []
        var index = 0
        while let start = find(open, in: text, from: index) {
            if start > index { segments.append(.text(string(index..<start))) }
            var cursor = start + open.count
            guard cursor < text.count else { return nil }
            let triple = text[cursor] == "{"
            switch text[cursor] {
            case "{", "&": cursor += 1
            case "#", "^", "/", "!", "=", "%", ">", "<", "$": return nil
            default: break
            }
            guard let end = find(close, in: text, from: cursor) else { return nil }
            index = end + close.count
            if triple {
                guard index < text.count, text[index] == "}" else { return nil }
                index += 1
            }
            let name = string(cursor..<end).trimmingWhitespace
            guard !name.contains("("), let path = ScopePath(name) else { return nil }
            segments.append(.variable(path))
        }
        if index < text.count { segments.append(.text(string(index..<text.count))) }
        return segments
    }

    /// `uppercased(member.email)` → (`member.email`, true).
    private static func untransformed(_ content: String) -> (String, Bool) {
        guard let open = content.lastIndex(of: "(") else { return (content, false) }
        let inner = content[content.index(after: open)...]
        return (String(inner.prefix { $0 != ")" }), true)
    }

    private static func find(_ needle: [Unicode.Scalar], in text: [Unicode.Scalar], from start: Int) -> Int? {
        guard !needle.isEmpty, text.count >= needle.count, start <= text.count - needle.count else { return nil }
        for position in start...(text.count - needle.count) where text[position] == needle[0] {
            if text[position..<(position + needle.count)].elementsEqual(needle) { return position }
        }
        return nil
    }
}
