import BotEngine
import BotKit
import Foundation

/// A duration setting, parsed by ``ConfigDuration`` (BotKit) so that config keys and rule throttles
/// accept and refuse exactly the same texts.
struct DurationSetting: Decodable, Hashable, Sendable, CustomStringConvertible {
    let duration: Duration

    init(_ duration: Duration) { self.duration = duration }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            duration = try ConfigDuration.parse(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    var description: String { ConfigDuration.format(duration) }
    var seconds: Double { duration.seconds }
}
