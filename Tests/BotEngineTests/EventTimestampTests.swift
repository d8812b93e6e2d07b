import BotKit
import Foundation
import Testing

/// `Event.timestamp` is how every event time is written (files, templates, the store's JSON): read back, it
/// must print the same text again.
@Suite struct EventTimestampTests {
    @Test(arguments: [
        (1_780_000_000.25, "2026-05-28T20:26:40.250Z"),
        (1_780_000_000.9099, "2026-05-28T20:26:40.910Z"),
        (1_780_000_000.9996, "2026-05-28T20:26:41.000Z"),
        (0.001, "1970-01-01T00:00:00.001Z"),
        (-0.5, "1969-12-31T23:59:59.500Z"),
    ])
    func aTimeIsWrittenToTheNearestMillisecond(_ seconds: Double, _ text: String) {
        #expect(Event.timestamp(Date(timeIntervalSince1970: seconds)) == text)
    }

    @Test func aTimeReadBackFromItsTextPrintsTheSameText() throws {
        // A run of times, each a millisecond apart: some of them are held just below their text's value.
        for step in 0..<2_000 {
            let text = Event.timestamp(Date(timeIntervalSince1970: 1_780_000_000 + Double(step) / 1000))
            let read = try Date(text, strategy: .iso8601)
            #expect(Event.timestamp(read) == text)
        }
    }
}
