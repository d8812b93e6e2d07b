import Foundation
import Logging
import Testing

@testable import AvalaBot

@Suite struct LineLogHandlerTests {
    static let time = Date(timeIntervalSince1970: 1_767_225_600)

    @Test func logfmtQuotesWhatNeedsIt() {
        let line = LineLogHandler.render(
            format: .logfmt,
            time: Self.time,
            level: .info,
            message: "Action finished",
            label: "avala-bot",
            metadata: ["event.id": "e-1", "detail": "logged: a \"quoted\" word\nnext"]
        )
        #expect(
            line
                == #"time=2026-01-01T00:00:00.000Z level=info msg="Action finished" logger=avala-bot detail="logged: a \"quoted\" word\nnext" event.id=e-1"#
        )
    }

    /// Event data in a value cannot start a line of its own (a carriage return) or reach the terminal
    /// (an escape sequence).
    @Test func logfmtEscapesControlCharacters() {
        let line = LineLogHandler.render(
            format: .logfmt,
            time: Self.time,
            level: .info,
            message: "Action finished",
            label: "avala-bot",
            metadata: ["detail": "done\rtime=forged level=error\u{1B}[2J\tend"]
        )
        #expect(
            line
                == #"time=2026-01-01T00:00:00.000Z level=info msg="Action finished" logger=avala-bot detail="done\rtime=forged level=error\u{1b}[2J\tend""#
        )
        #expect(!line.unicodeScalars.contains { $0.properties.generalCategory == .control })
    }

    @Test func jsonIsOneObjectPerLine() throws {
        let line = LineLogHandler.render(
            format: .json,
            time: Self.time,
            level: .warning,
            message: "Config warning",
            label: "avala-bot",
            metadata: ["config.problem": "x"]
        )
        #expect(!line.contains("\n"))
        let object = try JSONDecoder().decode([String: String].self, from: Data(line.utf8))
        #expect(
            object == ["time": "2026-01-01T00:00:00.000Z", "level": "warning", "msg": "Config warning", "logger": "avala-bot", "config.problem": "x"]
        )
    }
}
