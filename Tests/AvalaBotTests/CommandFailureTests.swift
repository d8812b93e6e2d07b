import BotEngine
import Foundation
import Logging
import TestSupport
import Testing

@testable import AvalaBot

/// How the built `avala-bot` ends when a command line is fine but the work cannot be done: one
/// `Error: …` line and status 1. The usage text and status 64 are for bad command lines only.
@Suite struct CommandFailureTests {
    static func expectRunTimeFailure(
        _ result: CommandProcess.Result,
        _ message: String,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        let said = "\(result.output)\(result.errors)"
        #expect(result.exit == .status(1), "\(said)", sourceLocation: sourceLocation)
        #expect(result.errors.hasPrefix("Error: \(message)"), "\(said)", sourceLocation: sourceLocation)
        #expect(result.errors.split(separator: "\n").count == 1, "one line: \(said)", sourceLocation: sourceLocation)
        #expect(!said.contains("Usage:"), "\(said)", sourceLocation: sourceLocation)
        #expect(!said.contains("--help"), "\(said)", sourceLocation: sourceLocation)
    }

    /// A directory removed when the test ends.
    static func withDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("failure-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }

    /// A config with nothing to run but its store: enough for `run` to get as far as the key and the lock.
    static func config(in directory: URL, store: String) throws -> String {
        let path = directory.appendingPathComponent("avala-bot.yaml").path
        try "store: { sqlite: \"\(store)\" }\nrules: []\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func anUnknownEventIdIsNotAUsageError() async throws {
        try await Self.withDirectory { directory in
            let path = directory.appendingPathComponent("events.sqlite").path
            let store = try SQLiteEventStore(path: path, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            try await store.migrate()
            try store.close()
            let result = try await CommandProcess.run(["events", "show", "nosuch", "--store", path])
            Self.expectRunTimeFailure(result, "no event nosuch in the store")
        }
    }

    @Test func aMissingAPIKeyIsNotAUsageError() async throws {
        try await Self.withDirectory { directory in
            let config = try Self.config(in: directory, store: directory.appendingPathComponent("bot.sqlite").path)
            let result = try await CommandProcess.run(["run", "--config", config], environment: ["AVALA_API_KEY": ""])
            Self.expectRunTimeFailure(result, "AVALA_API_KEY is not set")
        }
    }

    @Test func aStoreInUseIsNotAUsageError() async throws {
        try await Self.withDirectory { directory in
            let store = directory.appendingPathComponent("bot.sqlite").path
            let config = try Self.config(in: directory, store: store)
            // Held by this process as a running bot would hold it.
            let lock = try StoreLock(storePath: store)
            defer { lock.release() }
            let result = try await CommandProcess.run(["run", "--config", config], environment: ["AVALA_API_KEY": "test-key"])
            Self.expectRunTimeFailure(result, "another avala-bot is running on the store \(store)")
        }
    }

    @Test func anUnreadableFileToSignIsNotAUsageError() async throws {
        let result = try await CommandProcess.run(["sign", "--secret", "s3cret", "/nonexistent/body.json"])
        Self.expectRunTimeFailure(result, "cannot read /nonexistent/body.json: no such file")
    }

    /// `run` where there is no config: one line naming the path and the flag, nothing from Foundation.
    @Test func runWithoutAConfigFileNamesThePathAndTheFlag() async throws {
        let result = try await CommandProcess.run(["run"], environment: ["AVALA_API_KEY": "test-key"])
        Self.expectRunTimeFailure(result, "no config file at config/avala-bot.yaml: pass --config PATH")
        #expect(!result.errors.contains("could not be completed"), "\(result.errors)")
        #expect(result.output.isEmpty, "\(result.output)")
    }

    /// `simulate` the same way: the one line, not the loader's "cannot read" followed by "the config has errors".
    @Test func simulateWithoutAConfigFileNamesThePathAndTheFlag() async throws {
        try await Self.withDirectory { directory in
            let event = directory.appendingPathComponent("event.json").path
            try #"{"type": "export.completed", "data": {"export": {"uid": "e-1"}}}"#.write(toFile: event, atomically: true, encoding: .utf8)
            let missing = directory.appendingPathComponent("nope.yaml").path
            let result = try await CommandProcess.run(["simulate", "--event", event, "--config", missing])
            Self.expectRunTimeFailure(result, "no config file at \(missing): pass --config PATH")
            #expect(!result.errors.contains("the config has errors"), "\(result.errors)")
            #expect(result.output.isEmpty, "\(result.output)")
        }
    }

    /// A bad command line still gets the usage text and 64, so the two stay apart.
    @Test func aBadCommandLineIsStillAUsageError() async throws {
        let result = try await CommandProcess.run(["events", "replay", "--store", "/nonexistent/x.sqlite"])
        #expect(result.exit == .status(64), "\(result.errors)")
        #expect(result.errors.contains("Usage:"), "\(result.errors)")
    }
}
