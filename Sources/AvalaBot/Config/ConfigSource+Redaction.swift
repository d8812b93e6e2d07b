import BotEngine
import Foundation

/// Referenced values kept out of messages. Indexed once per tree: a config with thousands of references
/// and as many diagnostics took seconds per thousand when each message walked the tree and searched for
/// every value in turn.
extension ConfigSource.Loaded {
    struct Redactor {
        /// A resolved reference: its value, its reference as written, and where it is written.
        struct Reference {
            var value: String
            var reference: String
            var location: SourceLocation
        }

        /// Every node by its key path as diagnostics write it (`receivers.ops.slack.url`, `silences[0]`);
        /// the first of keys written twice, as ``ConfigNode/node(atKeyPath:)`` finds, and a key with a dot
        /// in it (`invite.resend`) as one key.
        private let nodes: [String: ConfigNode]
        /// The resolved references written on each line, by file and line.
        private let byLine: [String: [Int: [Reference]]]
        /// The forms a value of 8 characters or more may take in a message (itself, and its first 60 and
        /// 40 characters, which messages shorten to), by their first 8 characters; longest first.
        private let forms: [String: [(form: [Character], reference: String)]]

        init(root: ConfigNode) {
            var nodes: [String: ConfigNode] = [:]
            var byLine: [String: [Int: [Reference]]] = [:]
            var forms: [String: [(form: [Character], reference: String)]] = [:]
            func walk(_ node: ConfigNode, path: String) {
                if !path.isEmpty, nodes[path] == nil { nodes[path] = node }
                switch node {
                case .scalar(let value, .reference(let reference, resolved: true), let location):
                    byLine[location.file, default: [:]][location.line, default: []]
                        .append(Reference(value: value, reference: reference, location: location))
                    guard value.count >= 8 else { return }
                    for length in Set([value.count, 60, 40]) where length <= value.count {
                        let form = Array(value.prefix(length))
                        forms[String(form[..<8]), default: []].append((form, reference))
                    }
                case .scalar: return
                case .mapping(let entries, _):
                    for entry in entries { walk(entry.value, path: path.isEmpty ? entry.key : "\(path).\(entry.key)") }
                case .sequence(let items, _):
                    for (index, item) in items.enumerated() { walk(item, path: "\(path)[\(index)]") }
                }
            }
            walk(root, path: "")
            self.nodes = nodes
            self.byLine = byLine
            self.forms = forms.mapValues { $0.sorted { $0.form.count > $1.form.count } }
        }

        /// `diagnostic`'s message without any referenced value: ``redacted(_:)-(String)``, and first the
        /// values of the references in what the diagnostic is about (the node at its path, and those
        /// written on its line from its column on), however short: a check quoting the value it refused
        /// (`found -3`, `'55555' is not a duration`) must not show what the environment or a file holds.
        func redacted(_ diagnostic: ConfigDiagnostic) -> String {
            var about: [Reference] = []
            if let node = nodes[diagnostic.path] {
                about += Self.references(in: node)
            }
            if let location = diagnostic.location {
                about += (byLine[location.file]?[location.line] ?? []).filter { $0.location.column >= location.column }
            }
            var text = diagnostic.message
            // A message that names a reference was written by a check that knew where the value came from,
            // and says it of the reference: its other words (`like 30s`) are not the value, even when
            // they read the same, and are left alone.
            about.removeAll { text.contains($0.reference) }
            // Longest first, so that a value containing another is replaced whole.
            for (value, reference) in about.map({ ($0.value, $0.reference) }).filter({ !$0.0.isEmpty }).sorted(by: { $0.0.count > $1.0.count }) {
                // A number may be shown as the check read it (`-3` as `-3.0`): that form first.
                if let number = Double(value), String(number) != value {
                    text = Self.replacingWhole(String(number), with: reference, in: text)
                }
                text = Self.replacingWhole(value, with: reference, in: text)
            }
            return redacted(text)
        }

        /// Replaces every referenced value in `text` (and the start of a long one, which messages
        /// shorten) with its reference as written: the last guard that keeps a secret out of a message
        /// whichever check wrote it. Values shorter than 8 characters are left alone: they are not
        /// secrets, and replacing them would garble messages that happen to contain them.
        ///
        /// One pass over `text`: at each character, the longest form of a value that starts there is
        /// replaced.
        func redacted(_ text: String) -> String {
            guard !forms.isEmpty else { return text }
            let characters = Array(text)
            guard characters.count >= 8 else { return text }
            var result = ""
            var copied = 0
            var index = 0
            while index + 8 <= characters.count {
                let match = forms[String(characters[index..<index + 8])]?.first { candidate in
                    index + candidate.form.count <= characters.count && characters[index..<index + candidate.form.count].elementsEqual(candidate.form)
                }
                guard let match else {
                    index += 1
                    continue
                }
                result += String(characters[copied..<index])
                result += match.reference
                index += match.form.count
                copied = index
            }
            return result + String(characters[copied...])
        }

        /// The resolved references at or below `node`.
        static func references(in node: ConfigNode) -> [Reference] {
            switch node {
            case .scalar(let value, .reference(let reference, resolved: true), let location):
                return [Reference(value: value, reference: reference, location: location)]
            case .scalar: return []
            case .mapping(let entries, _): return entries.flatMap { references(in: $0.value) }
            case .sequence(let items, _): return items.flatMap { references(in: $0) }
            }
        }

        /// `text` with each occurrence of `value` that stands as a whole word replaced. A number followed
        /// by a unit (`55555s`) counts as whole: a message suggesting the unit would otherwise show it.
        static func replacingWhole(_ value: String, with replacement: String, in text: String) -> String {
            let isNumber = Double(value) != nil
            func isWordCharacter(_ character: Character?) -> Bool { character.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
            var result = ""
            var rest = text[...]
            while let range = rest.range(of: value) {
                let before = range.lowerBound == rest.startIndex ? result.last : rest[rest.index(before: range.lowerBound)]
                let after = range.upperBound == rest.endIndex ? nil : rest[range.upperBound]
                let whole = !isWordCharacter(before) && (!isWordCharacter(after) || (isNumber && after?.isLetter == true))
                result += rest[..<range.lowerBound]
                result += whole ? replacement : value
                rest = rest[range.upperBound...]
            }
            return result + rest
        }
    }
}
