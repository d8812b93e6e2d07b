import BotEngine
import BotKit
import Foundation

/// A size: `512KiB`, `1MiB` (powers of 1024) or `1MB` (powers of 1000); a bare number is bytes.
struct SizeSetting: Decodable, Hashable, Sendable {
    let bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self).trimmingCharacters(in: .whitespaces)
        // Left unresolved by `check-config --no-env`: any size stands for the value to come.
        if ConfigReference(text) != nil || (decoder as? NodeDecoder)?.node.isUnresolvedReference == true {
            bytes = 1
            return
        }
        guard let bytes = Self.parse(text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "'\(text)' is not a size (\(ConfigSize.expected))"
            )
        }
        self.bytes = bytes
    }

    /// One reading of sizes for the bot's own sections and the plugins' (``ConfigSize``).
    static func parse(_ text: String) -> Int? { ConfigSize.parse(text) }
}
