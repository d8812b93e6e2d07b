import BotKit
import HTTPTypes
import Hummingbird
import NIOCore

/// Small JSON answers (`{"duplicate": true}`, `{"error": …}`), rendered with sorted keys.
enum ListenerJSON {
    static func object(_ fields: [String: JSON]) -> String {
        JSON.object(fields).compactJSON
    }

    static func response(_ status: HTTPResponse.Status, _ fields: [String: JSON]) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: object(fields)))
        )
    }
}
