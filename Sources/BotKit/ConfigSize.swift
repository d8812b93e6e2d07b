/// Sizes as the config writes them: `512KiB`, `1MiB` (powers of 1024), `1MB` (powers of 1000), or a
/// bare number of bytes, as CONFIG.md says.
///
/// ```swift
/// ConfigSize.parse("4KiB")  // 4096
/// ConfigSize.parse("300")   // 300
/// ConfigSize.parse("4 kb")  // nil
/// ```
public enum ConfigSize {
    /// What a size that does not parse is told.
    public static let expected = "write e.g. 512KiB, 1MiB, 1MB or a number of bytes"

    static let factors: [String: Int] = [
        "": 1, "B": 1, "KiB": 1_024, "MiB": 1_048_576, "GiB": 1_073_741_824, "KB": 1_000, "MB": 1_000_000, "GB": 1_000_000_000,
    ]

    /// The number of bytes `text` stands for, or nil when it is not a size (or too large to count).
    public static func parse(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard let value = Int(digits), let factor = factors[String(text.dropFirst(digits.count))] else { return nil }
        // Too large to count in bytes is not a size either (and must not trap).
        let (bytes, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? nil : bytes
    }
}
