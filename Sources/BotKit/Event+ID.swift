package import Foundation

extension Event {
    /// A new event id: a version 7 UUID (RFC 9562) in lowercase text, e.g.
    /// `019ad6a4-3b1e-7c2f-9a4d-5e6f7a8b9c0d`.
    ///
    /// Version 7 starts with the time in milliseconds, so ids made one after another sort together: the
    /// store's id index then grows at its end instead of touching a random page for every new event,
    /// which is most of what a group commit writes. The other 74 bits are random
    /// (`SystemRandomNumberGenerator`, the kernel's `getrandom`), so ids stay unguessable and unique
    /// across processes.
    public static func newID() -> String {
        newID(at: Date())
    }

    /// ``newID()`` for a given time: tests check the layout with it.
    package static func newID(at time: Date) -> String {
        var random = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, time.timeIntervalSince1970 * 1000))
        let high = random.next() as UInt64
        let low = random.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        bytes[6] = 0x70 | UInt8(truncatingIfNeeded: high & 0x0F)
        bytes[7] = UInt8(truncatingIfNeeded: high >> 8)
        bytes[8] = 0x80 | UInt8(truncatingIfNeeded: (high >> 16) & 0x3F)
        for index in 9..<16 { bytes[index] = UInt8(truncatingIfNeeded: low >> (8 * (index - 9))) }
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
