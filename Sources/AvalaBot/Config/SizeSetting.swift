import Foundation

/// A size: `512KiB`, `1MiB` (powers of 1024) or `1MB` (powers of 1000); a bare number is bytes.
struct SizeSetting: Decodable, Hashable, Sendable {
    let bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self).trimmingCharacters(in: .whitespaces)
        // Left unresolved by `check-config --no-env`: any size stands for the value to come.
        if ConfigSource.reference(in: text) != nil {
            bytes = 1
            return
        }
        guard let bytes = Self.parse(text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "'\(text)' is not a size (write e.g. 512KiB, 1MiB, 1MB or a number of bytes)"
            )
        }
        self.bytes = bytes
    }

    static func parse(_ text: String) -> Int? {
        let digits = text.prefix { $0.isNumber }
        guard let value = Int(digits) else { return nil }
        let factors: [String: Int] = [
            "": 1, "B": 1, "KiB": 1_024, "MiB": 1_048_576, "GiB": 1_073_741_824, "KB": 1_000, "MB": 1_000_000,
            "GB": 1_000_000_000,
        ]
        guard let factor = factors[String(text.dropFirst(digits.count))] else { return nil }
        // Too large to count in bytes is not a size either (and must not trap).
        let (bytes, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? nil : bytes
    }
}
