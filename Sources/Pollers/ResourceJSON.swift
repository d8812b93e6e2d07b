import AvalaAPI
import BotKit
import Foundation

/// API models as event bodies: the fields exactly as the API writes them (snake_case, its timestamps).
enum ResourceJSON {
    static func encode(_ value: some Encodable) throws -> JSON {
        let data = try AvalaJSON.makeEncoder().encode(value)
        return try JSON.parse(data)
    }

    /// A timestamp as the API writes it, or empty text when absent (for keys).
    static func timestamp(_ date: Date?) -> String {
        date.map(AvalaJSON.formatTimestamp) ?? ""
    }
}
