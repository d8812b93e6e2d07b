import BotEngine
import Foundation
import GRDB
import TestSupport
import Testing

@testable import AvalaBot

/// One bot per store: a second `avala-bot run` on the same store must not start (it would hand the first
/// one's running events back to pending and run the same steps at once), while the inspection commands,
/// reads and writes, keep working beside the running bot.
@Suite(.serialized) struct StoreLockTests {
    @Test func aSecondRunOnTheSameStoreExitsNamingTheStore() async throws {
        try await BotProcessFixture.with { fixture in
            let first = try await fixture.start()
            let secondLog = fixture.directory.appendingPathComponent("second.log").path
            var secondListened = false
            do {
                let second = try await BotProcess(configPath: fixture.configPath, environment: fixture.environment, logPath: secondLog)
                secondListened = true
                second.send(SIGKILL)
                _ = await second.waitForExit()
            } catch {
                // It ended before it listened: what it said is checked below.
            }
            let said = (try? String(contentsOfFile: secondLog, encoding: .utf8)) ?? ""
            #expect(!secondListened, "a second bot started on the store:\n\(said)")
            #expect(said.contains("another avala-bot is running on the store \(fixture.storePath)"), "\(said)")

            // Beside the running bot: a read and a write through the store's own locking.
            let listed = try await InspectCommandTests.run(["events", "list", "--store", fixture.storePath])
            #expect(!listed.isEmpty)
            let added = try await InspectCommandTests.run(
                ["silences", "add", "--store", fixture.storePath, "--match", "event.type=export.failed", "--for", "1h"]
            )
            #expect(added.hasPrefix("silence "), "\(added)")

            first.send(SIGTERM)
            #expect(await first.waitForExit() == .status(0), "\(first.log)")
            // The lock goes with the process: the next bot on the store starts.
            let next = try await fixture.start()
            next.send(SIGTERM)
            #expect(await next.waitForExit() == .status(0), "\(next.log)")
        }
    }

    @Test func theLockIsExclusiveWithinAProcessTooAndFreedOnRelease() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID().uuidString)/bot.sqlite").path
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let lock = try StoreLock(storePath: path)
        #expect(lock.path == path + ".lock")
        let refused = #expect(throws: SQLiteEventStoreError.self) { try StoreLock(storePath: path) }
        #expect(refused?.code == .locked)
        #expect(refused?.message.contains("another avala-bot is running on the store \(path)") == true)
        lock.release()
        let again = try StoreLock(storePath: path)
        again.release()
    }

    /// `run` on another application's database stops with one line naming store.sqlite, and leaves
    /// nothing beside the file (no lock file either).
    @Test func runRefusesAForeignDatabaseAndLeavesNothingBesideIt() async throws {
        try await SimulatorHarness.with { harness in
            let bot = BotRun(harness: harness)
            defer {
                bot.removeFiles()
                try? FileManager.default.removeItem(atPath: bot.storePath + ".lock")
            }
            try await DatabaseQueue(path: bot.storePath).write { db in try db.execute(sql: "CREATE TABLE users (name TEXT)") }
            let error = await #expect(throws: AssemblyError.self) { try await bot.run("rules: []") { _, _ in } }
            #expect(error?.description.hasPrefix("store.sqlite: \(bot.storePath) is not an avala-bot store") == true, "\(String(describing: error))")
            #expect(!FileManager.default.fileExists(atPath: bot.storePath + ".lock"))
            #expect(!FileManager.default.fileExists(atPath: bot.storePath + "-wal"))
        }
    }

    /// A symbolic link to the store, or to its directory, names the same store: SQLite opens one file
    /// for both, so one lock covers both.
    @Test func aLinkToTheStoreTakesTheSameLock() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("data/bot.sqlite").path
        let lock = try StoreLock(storePath: path)
        defer { lock.release() }
        try Data().write(to: URL(fileURLWithPath: path))
        let fileLink = directory.appendingPathComponent("link.sqlite").path
        try FileManager.default.createSymbolicLink(atPath: fileLink, withDestinationPath: path)
        let directoryLink = directory.appendingPathComponent("linked").path
        try FileManager.default.createSymbolicLink(atPath: directoryLink, withDestinationPath: directory.appendingPathComponent("data").path)
        for other in [fileLink, directoryLink + "/bot.sqlite"] {
            let refused = #expect(throws: SQLiteEventStoreError.self) { try StoreLock(storePath: other) }
            #expect(refused?.code == .locked, "\(other)")
            #expect(refused?.message.contains("another avala-bot is running on the store \(other)") == true)
        }
    }
}
