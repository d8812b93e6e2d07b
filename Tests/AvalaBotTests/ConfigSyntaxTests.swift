import BotEngine
import Foundation
import Testing

@testable import AvalaBot

/// What the YAML reader itself refuses or reads: reported at the file's own line and column, and never
/// with the file's text, which may hold a secret written out.
@Suite struct ConfigSyntaxTests {
    static func diagnostics(_ yaml: String) -> [String] {
        ConfigLoader(environment: ["AVALA_WEBHOOK_SECRET": "s3cret-of-sixteen-bytes"]).load(yaml: yaml, file: "bot.yaml").diagnostics.map(
            \.description
        )
    }

    @Test(arguments: [
        (
            // A control character: the reader's own error quoted the whole line.
            "listener: { plain_http: true }\napi:\n  api_key: avk_written_out\u{01}_secret\n",
            "bot.yaml:3:27: not valid YAML: control characters are not allowed"
        ),
        (
            "listener: { plain_http: true }\napi:\n  api_key: avk_written_out_secret\n   timeout: 5s\n",
            "bot.yaml:4:11: not valid YAML: mapping values are not allowed in this context"
        ),
        (
            "listener: { plain_http: true }\napi:\n    api_key: avk_written_out_secret\n  timeout: 5s\n",
            "bot.yaml:4:3: not valid YAML: while parsing a block mapping (line 1): did not find expected key"
        ),
    ])
    func aSyntaxErrorIsAtItsLineAndColumnWithoutTheText(yaml: String, expected: String) {
        let found = Self.diagnostics(yaml)
        #expect(found == [expected])
        #expect(!found.joined().contains("written_out"))
    }

    /// What libyaml says in its own terms is said in the author's: a tab that indents (libyaml: "found
    /// character that cannot start any token"), nesting past its limit (libyaml names the C function that
    /// sets it), a bracket or a quote the file never closes (libyaml points at the end of the file).
    @Test(arguments: [
        ("api:\n\tapi_key: avk_written_out_secret\n", "bot.yaml:2:1: not valid YAML: a tab indents this line: YAML indentation must be spaces"),
        (
            "api:\n  api_key: avk_written_out_secret\n  \ttimeout: 5s\n",
            "bot.yaml:3:3: not valid YAML: a tab indents this line: YAML indentation must be spaces"
        ),
        (
            "a: " + String(repeating: "[", count: 1_100) + String(repeating: "]", count: 1_100) + "\n",
            "bot.yaml:1:5: not valid YAML: mappings and lists are nested too deep for the YAML reader"
        ),
        (
            "listener: { plain_http: true }\napi: { api_key: avk_written_out_secret,\n  timeout: 5s\n\n# the end\n",
            "bot.yaml:2:6: not valid YAML: this { is never closed: the file ends before its '}'"
        ),
        (
            "listener: { plain_http: true }\nrules:\n  - name: r\n    on: [member.joined,\n      member.left\n",
            "bot.yaml:4:9: not valid YAML: this [ is never closed: the file ends before its ']'"
        ),
        (
            "api: { api_key: avk_written_out_secret,\n  timeout: 5s\nstore: { sqlite: x }\n",
            "bot.yaml:3:6: not valid YAML: expected ',' or '}' here, inside the { opened at line 1, column 6: is it closed?"
        ),
        // A quote never closed: libyaml points at the end of the file, where nothing is to be seen.
        (
            "listener: { plain_http: true }\napi:\n  api_key: \"avk_written_out_secret\n",
            "bot.yaml:3:12: not valid YAML: this \" is never closed: the file ends before its closing \""
        ),
        (
            "listener: { plain_http: true }\napi:\n  api_key: 'avk_written_out_secret\n  timeout: 5s\n\n# the end\n",
            "bot.yaml:3:12: not valid YAML: this ' is never closed: the file ends before its closing '"
        ),
        (
            "rules:\n  - name: \"greet\n    on: member.joined\n---\nlater: 1\n",
            "bot.yaml:2:11: not valid YAML: this \" is never closed: the '---' at line 4 ends the document before its closing \""
        ),
    ])
    func aSyntaxErrorIsSaidInWords(yaml: String, expected: String) {
        let found = Self.diagnostics(yaml)
        #expect(found == [expected])
        #expect(!found.joined().contains("written_out"))
        #expect(!found.joined().contains("yaml_"))
    }

    @Test(arguments: [
        (
            "listener: { plain_http: true }\nevery: &every 30s\npollers:\n  exports: { every: *every }\n",
            "bot.yaml:4:21: YAML aliases are not supported (*every): write the value out"
        ),
        (
            "listener: { plain_http: true }\npollers:\n  exports: &often { every: 30s }\n  deliveries:\n    <<: *often\n",
            "bot.yaml:5:9: YAML aliases are not supported (*often): write the value out"
        ),
    ])
    func anAliasIsRefusedWhereItIsWritten(yaml: String, expected: String) {
        #expect(Self.diagnostics(yaml) == [expected])
    }

    /// A "billion laughs": each level a list of ten aliases of the level before. Expanded, these seven
    /// levels would be ten million scalars; refused before reading, they cost nothing.
    @Test(.timeLimit(.minutes(1))) func anAliasBombIsRefusedBeforeItIsExpanded() {
        let levels = 7
        var yaml = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...levels {
            yaml += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        #expect(Self.diagnostics(yaml) == ["bot.yaml:2:10: YAML aliases are not supported (*l0): write the value out"])
    }

    /// A file that is only `---` (with comments or not) is as empty as an empty file: every default.
    @Test(arguments: ["---\n", "---\n# nothing set yet\n", "# nothing set yet\n---\n", "--- # nothing set yet\n"])
    func aDocumentMarkerAloneReadsAsAnEmptyFile(yaml: String) {
        let empty = ConfigLoader(environment: [:]).load(yaml: "", file: "bot.yaml")
        let marker = ConfigLoader(environment: [:]).load(yaml: yaml, file: "bot.yaml")
        #expect(marker.diagnostics.map(\.description) == empty.diagnostics.map(\.description))
        #expect(marker.root == empty.root)
    }
}
