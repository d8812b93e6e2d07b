import Foundation

/// A scalar written `${NAME}` or `${file:/path}`: the config's reference syntax, read by the loader (to
/// resolve it) and by every check that must tell a reference from the value it stands for.
public enum ConfigReference: Equatable, Sendable {
    case environment(String)
    case file(String)

    /// `${NAME}` or `${file:/path}` as the whole scalar (spaces around it aside); nil for anything else,
    /// a malformed reference too (``problem(in:)``).
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("${"), !trimmed.hasPrefix("${{"), trimmed.hasSuffix("}") else { return nil }
        let inner = trimmed.dropFirst(2).dropLast()
        guard !inner.contains("}"), !inner.contains("${") else { return nil }
        if inner.hasPrefix("file:") {
            let file = String(inner.dropFirst(5))
            guard !file.allSatisfy(\.isWhitespace) else { return nil }
            self = .file(file)
            return
        }
        guard Self.isVariableName(inner) else { return nil }
        self = .environment(String(inner))
    }

    /// What is wrong with a `${` in `text` that does not make it one whole reference, or nil when there is
    /// none: `${}`, `${ NAME }`, `${file:}`, a `${NAME` never closed, a reference inside other text.
    ///
    /// A `${` is a reference meant, and left as literal text it sent the characters `${NAME}` where the
    /// variable's value was expected. `${{` is not one: a dollar sign before a template (`${{cost}}`).
    /// The message never quotes the scalar, which may be a secret written out.
    public static func problem(in text: String) -> String? {
        guard text.contains("${"), ConfigReference(text) == nil else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var starts: [String.Index] = []
        var search = trimmed.startIndex
        while let found = trimmed.range(of: "${", range: search..<trimmed.endIndex) {
            if !trimmed[found.upperBound...].hasPrefix("{") { starts.append(found.lowerBound) }
            search = found.upperBound
        }
        guard let first = starts.first else { return nil }
        let written = "a reference is the whole value, written ${NAME} or ${file:/path}"
        guard let close = trimmed[first...].firstIndex(of: "}") else { return "a ${ is never closed with }: \(written)" }
        let inner = trimmed[trimmed.index(first, offsetBy: 2)..<close]
        guard first == trimmed.startIndex, trimmed.index(after: close) == trimmed.endIndex, starts.count == 1 else {
            return "a ${…} reference is not filled in inside other text: \(written)"
        }
        if inner.isEmpty { return "${} names no variable: \(written)" }
        if inner.hasPrefix("file:") { return "${file:} names no file: write ${file:/path}" }
        return "the name in a ${…} reference must be letters, digits and _ only, without spaces: \(written)"
    }

    /// Letters, digits and `_`, at least one.
    private static func isVariableName(_ name: Substring) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }
}
