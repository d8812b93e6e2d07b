import BotKit
import Foundation
import Testing

/// A receiver's `Retry-After`, as plugins read it: seconds or an HTTP-date, never further than the
/// dispatcher's longest retry delay, and no value traps.
@Suite struct RetryAfterTests {
    let now = Date(timeIntervalSince1970: 1_760_000_000)
    let limit = Duration.seconds(600)

    func read(_ value: String) -> Date? {
        RetryAfter.date(from: ["Retry-After": value], now: now, limit: limit)
    }

    @Test func secondsAndHTTPDatesAreRead() {
        #expect(read("120") == now.addingTimeInterval(120))
        #expect(read(" 0 ") == now)
        #expect(RetryAfter.date(from: ["retry-after": "30"], now: now, limit: limit) == now.addingTimeInterval(30))
        // 2025-10-09T08:53:20Z is `now`; five minutes later:
        #expect(read("Thu, 09 Oct 2025 08:58:20 GMT") == now.addingTimeInterval(300))
        // A date already past means now.
        #expect(read("Wed, 08 Oct 2025 08:53:20 GMT") == now)
    }

    @Test(arguments: ["601", "31536000", "9223372036854775807", "99999999999999999999999999999999", "Fri, 01 Jan 2100 00:00:00 GMT"])
    func aLongerPauseIsCutToTheLimit(value: String) {
        #expect(read(value) == now.addingTimeInterval(600))
    }

    @Test(arguments: ["", "soon", "-5", "1.5", "0x10"])
    func whatIsNotADelayIsNotRead(value: String) {
        #expect(read(value) == nil)
    }

    @Test func noHeaderIsNil() {
        #expect(RetryAfter.date(from: ["Content-Type": "text/plain"], now: now, limit: limit) == nil)
    }
}
