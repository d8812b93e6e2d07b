import BotEngine
// Yams reads YAML with libyaml, its CYaml module, but offers no way to read the events without composing
// nodes from them (and composing is what expands an alias); CYaml comes with the Yams package.
import CYaml

/// YAML aliases (`*name`, and merges `<<: *name`) are refused before any node is built. Yams composes an
/// alias into a copy of its anchor's node, so a few lines of aliases of aliases (a "billion laughs")
/// would grow into a tree too large for memory, and every check after that walks the copies. A config
/// has no need of them: the value is written out instead.
extension ConfigSource {
    /// Throws at the first alias in `text`. A syntax error ends the scan: the reading that follows
    /// reports it.
    static func refuseAliases(in text: String, file: String) throws(ConfigDiagnostic) {
        guard let alias = firstAlias(in: text) else { return }
        var diagnostic = ConfigDiagnostic(
            at: SourceLocation(file: file, line: alias.line, column: alias.column),
            path: "",
            "YAML aliases are not supported (*\(alias.anchor)): write the value out"
        )
        diagnostic.showsColumn = true
        throw diagnostic
    }

    /// Where the first alias in `text` is (1-based) and the anchor it names, read from the reader's
    /// events: an alias is one event, however much it refers to.
    static func firstAlias(in text: String) -> (line: Int, column: Int, anchor: String)? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buffer -> (line: Int, column: Int, anchor: String)? in
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                if event.type == YAML_ALIAS_EVENT {
                    let anchor = event.data.alias.anchor.map { String(cString: $0) } ?? ""
                    return (Int(event.start_mark.line) + 1, Int(event.start_mark.column) + 1, anchor)
                }
                if event.type == YAML_STREAM_END_EVENT { return nil }
            }
            return nil
        }
    }
}
