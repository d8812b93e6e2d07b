/// A short, stable hash (64-bit FNV-1a, hex) for what the group state remembers without keeping the
/// text itself: sent alerts for `repeat_interval`, and group keys in webhook ids.
///
/// Not cryptographic, and it need not be: a collision at worst skips one repeat of an alert, and the
/// value must be the same on every machine and every run (Swift's `Hasher` is seeded per process).
enum AlertFingerprint {
    static func of(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
