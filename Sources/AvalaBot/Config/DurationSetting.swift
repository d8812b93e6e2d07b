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
        let node = (decoder as? NodeDecoder)?.node
        // Left unresolved by `check-config --no-env`: any duration stands for the value to come.
        if ConfigReference(text) != nil || node?.isUnresolvedReference == true {
            duration = .seconds(1)
            return
        }
        do {
            duration = try ConfigDuration.parse(text, referencedAs: node?.reference)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    var description: String { ConfigDuration.format(duration) }
    var seconds: Double { duration.seconds }
}
