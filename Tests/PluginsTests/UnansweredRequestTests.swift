import BotKit
import Foundation
import Synchronization
import Testing

/// When a new attempt may follow one whose outcome is unknown: the API's request timeout (30 s in the
/// fake) and 30 s after the earlier attempt ended, not after it began, since the client may have resent
/// the request long after (a 429's wait); after a crash, after the first run that finds it.
@Suite struct UnansweredRequestTests {
    @Test func theWaitCountsFromWhenTheAttemptEnded() async throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let now: @Sendable () -> Date = { clock.withLock { $0 } }
        let context = PluginContext.test(avala: FakeAvalaActions(), now: now)
        #expect(try await UnansweredRequest.settled("k", context: context) == nil, "nothing sent yet")
        try await UnansweredRequest.begin("k", context: context)
        clock.withLock { $0 += 40 }
        try await UnansweredRequest.unanswered("k", context: context)
        clock.withLock { $0 += 5 }
        #expect(try await UnansweredRequest.settled("k", context: context) == Date(timeIntervalSince1970: 1_800_000_100))
    }

    @Test func anAttemptACrashCutOffWaitsFromTheFirstRunThatFindsIt() async throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let now: @Sendable () -> Date = { clock.withLock { $0 } }
        let context = PluginContext.test(avala: FakeAvalaActions(), now: now)
        try await UnansweredRequest.begin("k", context: context)
        clock.withLock { $0 += 300 }
        #expect(try await UnansweredRequest.settled("k", context: context) == Date(timeIntervalSince1970: 1_800_000_360))
        clock.withLock { $0 += 10 }
        #expect(try await UnansweredRequest.settled("k", context: context) == Date(timeIntervalSince1970: 1_800_000_360), "kept, not moved")
    }
}
