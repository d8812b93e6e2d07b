import BotEngine
import BotKit
import Foundation
import Logging
import TestSupport
import Testing

@testable import AvalaBot

/// A malformed option value is a bad command line: the built `avala-bot` says which option and what is
/// wrong with it, shows that command's usage and exits 64, as a bad `--limit` does — before any store or
/// file is opened. What only the store or a file can answer stays a failure of the work: one `Error:`
/// line, exit 1.
@Suite struct OptionValueTests {
    static let noStore = "/nonexistent/avala-bot.sqlite"

    static func expectUsageError(
        _ result: CommandProcess.Result,
        _ message: String,
        usage: String,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        let said = "\(result.output)\(result.errors)"
        #expect(result.exit == .status(64), "\(said)", sourceLocation: sourceLocation)
        #expect(result.errors.hasPrefix("Error: \(message)"), "\(said)", sourceLocation: sourceLocation)
        #expect(result.errors.contains("Usage: avala-bot \(usage)"), "\(said)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        (["events", "list", "--store", noStore, "--limit", "0"], "--limit must be at least 1", "events list"),
        (
            ["events", "list", "--store", noStore, "--since", "yesterday"],
            "--since takes a duration (30m, 2h, 7d) or an ISO-8601 time, not 'yesterday'", "events list"
        ),
        (
            ["events", "list", "--store", noStore, "--since", "5"],
            "--since 5: '5' is not a duration: a bare number is ambiguous (write 5s or 5m)", "events list"
        ),
        (
            ["events", "list", "--store", noStore, "--until", "2026-12-03T17:00:00"],
            "--until 2026-12-03T17:00:00: '2026-12-03T17:00:00' has no time zone", "events list"
        ),
        (
            ["events", "list", "--store", noStore, "--until", "yesterday"],
            "--until takes a duration (30m, 2h, 7d), an ISO-8601 time or a stored event's id, not 'yesterday'", "events list"
        ),
        (["events", "list", "--store", noStore, "--since", "1h", "--until", "2h"], "--since 1h (", "events list"),
        (
            ["events", "list", "--store", noStore, "--type", "export.[done"], "--type export.[done: bad glob 'export.[done': unclosed '['",
            "events list"
        ),
        (
            ["events", "replay", "--store", noStore, "--since", "2026-12-03"],
            "--since 2026-12-03: '2026-12-03' is a date without a time", "events replay"
        ),
        (
            ["events", "replay", "--store", noStore, "--since", "1h", "--until", "tomorrow"],
            "--until takes a duration (30m, 2h, 7d), an ISO-8601 time or a stored event's id, not 'tomorrow'", "events replay"
        ),
        (
            ["events", "replay", "--store", noStore, "--since", "1h", "--type", #"export\"#],
            #"--type export\: bad glob 'export\': ends with a lone '\'"#, "events replay"
        ),
        (
            ["simulate", "--event", "/nonexistent/event.json", "--type", "bot.poller.failing"],
            "--type bot.poller.failing: bot.* events are the bot's own", "simulate"
        ),
        (["simulate", "--event", "/nonexistent/event.json", "--type", "export done"], "--type: event type 'export done' is not a name", "simulate"),
        (["simulator", "--port", "0", "--requests-per-minute", "0"], "--requests-per-minute must be at least 1", "simulator"),
        (["demo", "--timeout", "0"], "--timeout must be at least 1", "demo"),
    ])
    func aMalformedValueIsABadCommandLine(_ arguments: [String], _ message: String, _ usage: String) async throws {
        let result = try await CommandProcess.run(arguments, environment: ["AVALA_API_KEY": ""])
        Self.expectUsageError(result, message, usage: usage)
    }

    /// What the store answers — an event id it does not hold, one stored before `--since` — is the work
    /// failing, not the command line.
    @Test func whatOnlyTheStoreKnowsIsNotAUsageError() async throws {
        try await CommandFailureTests.withDirectory { directory in
            let path = directory.appendingPathComponent("events.sqlite").path
            let store = try SQLiteEventStore(path: path, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            try await store.migrate()
            guard case .new(let id) = try await store.ingest(InspectCommandTests.event("e-1")) else { throw InspectError("not stored") }
            try store.close()
            let unknown = "019ad6a4-3b1e-7c2f-9a4d-5e6f7a8b9c0d"
            CommandFailureTests.expectRunTimeFailure(
                try await CommandProcess.run(["events", "list", "--store", path, "--until", unknown]),
                "no event \(unknown) in the store"
            )
            CommandFailureTests.expectRunTimeFailure(
                try await CommandProcess.run(["events", "list", "--store", path, "--since", "2099-01-01T00:00:00Z", "--until", id]),
                "--since 2099-01-01T00:00:00Z (2099-01-01T00:00:00.000Z) is after event \(id)"
            )
            // And a good window reads the store.
            let listed = try await CommandProcess.run(["events", "list", "--store", path, "--since", "1h", "--type", "export.*"])
            #expect(listed.exit == .status(0), "\(listed.errors)")
            #expect(listed.output.contains(id), "\(listed.output)")
        }
    }

    /// A `--trust-ca` file that cannot be read names a file, as it should: the work fails (as `sign`'s
    /// unreadable file does), with no usage text.
    @Test func anUnreadableTrustedCAIsNotAUsageError() async throws {
        let result = try await CommandProcess.run(["simulator", "--port", "0", "--trust-ca", "/nonexistent/ca.pem"])
        CommandFailureTests.expectRunTimeFailure(result, "--trust-ca /nonexistent/ca.pem: cannot read the file")
    }
}
