import BotKit
import Foundation
import Testing

/// New event ids are version 7 UUIDs: time first, so the store's id index grows at its end.
@Suite struct EventIDTests {
    @Test func anIDIsAVersion7UUIDInLowercase() throws {
        let id = Event.newID()
        let uuid = try #require(UUID(uuidString: id), "\(id) is a UUID")
        #expect(id == uuid.uuidString.lowercased())
        let bytes = withUnsafeBytes(of: uuid.uuid) { Array($0) }
        #expect(bytes[6] >> 4 == 7, "version 7")
        #expect(bytes[8] >> 6 == 0b10, "RFC 9562 variant")
    }

    @Test func theIDStartsWithTheTimeInMilliseconds() throws {
        let time = Date(timeIntervalSince1970: 1_764_547_200.123)
        let id = Event.newID(at: time)
        let hex = id.replacingOccurrences(of: "-", with: "").prefix(12)
        #expect(UInt64(hex, radix: 16) == 1_764_547_200_123)
    }

    @Test func idsMadeLaterSortLaterAndNeverRepeat() {
        let base = Date(timeIntervalSince1970: 1_764_547_200)
        let ids = (0..<1_000).map { Event.newID(at: base.addingTimeInterval(Double($0) / 100)) }
        #expect(Set(ids).count == ids.count)
        let perMillisecond = (0..<1_000).map { _ in Event.newID(at: base) }
        #expect(Set(perMillisecond).count == 1_000, "the random bits tell apart ids of one millisecond")
        let later = ids.enumerated().filter { $0.offset % 10 == 0 }.map(\.element)
        #expect(later == later.sorted(), "10 ms apart: in time order")
    }
}
