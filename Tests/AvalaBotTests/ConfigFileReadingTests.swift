import BotEngine
import Foundation
import Testing

@testable import AvalaBot

/// Why a config file (or a `${file:…}` it names) cannot be read, in a few words: Foundation's reasons
/// said "(NSCocoaErrorDomain error 256.)" for a directory, and nothing at all for a `${file:…}`.
@Suite struct ConfigFileReadingTests {
    static func firstError(_ path: String) -> String {
        ConfigLoader(environment: [:]).load(path: path).errors.first?.description ?? "no error"
    }

    @Test func whyTheConfigFileCannotBeReadIsSaidInWords() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("config-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("missing.yaml").path
        #expect(Self.firstError(missing) == "\(missing): cannot read the config file: no such file")
        #expect(Self.firstError(directory.path) == "\(directory.path): cannot read the config file: is a directory")

        let utf16 = directory.appendingPathComponent("utf16.yaml")
        try #require("rules: []\n".data(using: .utf16)).write(to: utf16)
        #expect(Self.firstError(utf16.path) == "\(utf16.path): cannot read the config file: is UTF-16 text; save it as UTF-8")

        // Latin-1 "café" on line 3: the line is named, the byte is not shown.
        let latin1 = directory.appendingPathComponent("latin1.yaml")
        try Data("rules: []\n# ok\n# caf".utf8 + [0xE9] + Data("\n".utf8)).write(to: latin1)
        #expect(
            Self.firstError(latin1.path) == "\(latin1.path): cannot read the config file: is not UTF-8 text (line 3 has a byte that is not)"
        )
    }

    @Test func aFileReferenceThatCannotBeReadSaysWhy() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("config-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let loaded = ConfigLoader(environment: [:]).load(
            yaml: "api: { api_key: \"${file:\(directory.path)/key}\" }\nstore: { sqlite: \"${file:\(directory.path)}\" }\nrules: []\n",
            file: "bot.yaml"
        )
        let messages = loaded.errors.map(\.description)
        #expect(messages.contains("bot.yaml:1 api.api_key: cannot read \(directory.path)/key (from ${file:…}): no such file"), "\(messages)")
        #expect(messages.contains("bot.yaml:2 store.sqlite: cannot read \(directory.path) (from ${file:…}): is a directory"), "\(messages)")
    }
}
