import ArgumentParser
import Foundation
import Testing

@testable import AvalaBot

/// `--help` wraps an abstract or a discussion to the terminal's width itself; a line break written into
/// the source stays one, and the help shows a sentence cut in two mid-line ("Its control" / "surface
/// lives…"). Paragraphs (a blank line) are fine.
@Suite struct CommandHelpTests {
    static func commands(_ root: any ParsableCommand.Type, path: String) -> [(String, CommandConfiguration)] {
        let configuration = root.configuration
        return [(path, configuration)]
            + configuration.subcommands.flatMap { commands($0, path: "\(path) \($0.configuration.commandName ?? "\($0)")") }
    }

    @Test func noHelpTextBreaksALineMidParagraph() {
        let all = Self.commands(AvalaBotCommand.self, path: "avala-bot")
        #expect(all.count > 15, "\(all.map(\.0))")
        for (path, configuration) in all {
            for (field, text) in [("abstract", configuration.abstract), ("discussion", configuration.discussion)] {
                let paragraphs = text.components(separatedBy: "\n\n")
                #expect(paragraphs.allSatisfy { !$0.contains("\n") }, "\(path)'s \(field) has a line break mid-paragraph:\n\(text)")
            }
        }
    }
}
