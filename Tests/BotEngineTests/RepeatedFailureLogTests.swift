import Foundation
import Testing

@testable import BotEngine

/// The claim loop's log policy while the store cannot write: one error line, not one per idle poll.
@Suite struct RepeatedFailureLogTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func theSameErrorIsLoggedOnceThenAsAReminderPerInterval() {
        var log = RepeatedFailureLog(reminderInterval: 60)
        #expect(log.failed("disk full", at: start) == .first)
        // Once a second for a minute: nothing at error level.
        for second in 1..<60 {
            #expect(log.failed("disk full", at: start + Double(second)) == .repeated(failures: second + 1))
        }
        #expect(log.failed("disk full", at: start + 60) == .reminder(failures: 61, since: start))
        #expect(log.failed("disk full", at: start + 61) == .repeated(failures: 62))
        #expect(log.failed("disk full", at: start + 120) == .reminder(failures: 63, since: start))
    }

    @Test func aDifferentErrorIsLoggedAtOnce() {
        var log = RepeatedFailureLog(reminderInterval: 60)
        #expect(log.failed("disk full", at: start) == .first)
        #expect(log.failed("disk full", at: start + 1) == .repeated(failures: 2))
        #expect(log.failed("database is locked", at: start + 2) == .first)
        #expect(log.failed("database is locked", at: start + 3) == .repeated(failures: 4))
        #expect(log.failed("disk full", at: start + 4) == .first)
    }

    @Test func aSuccessEndsTheRunAndReportsIt() {
        var log = RepeatedFailureLog(reminderInterval: 60)
        #expect(log.succeeded() == nil)
        _ = log.failed("disk full", at: start)
        _ = log.failed("disk full", at: start + 1)
        _ = log.failed("disk full", at: start + 2)
        #expect(log.succeeded() == .init(failures: 3, since: start))
        #expect(log.succeeded() == nil)
        // The next failure starts a new run: logged again, counted from one.
        #expect(log.failed("disk full", at: start + 10) == .first)
        #expect(log.failures == 1)
        #expect(log.succeeded() == .init(failures: 1, since: start + 10))
    }
}
