import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The demo's stand-in for Slack: an HTTP server on loopback that takes incoming-webhook posts and
/// shows each message on the timeline.
final class DemoReceiver: Sendable {
    private let messages = Mutex<[String]>([])
    private let port = Mutex<Int?>(nil)
    let timeline: DemoTimeline

    init(timeline: DemoTimeline) {
        self.timeline = timeline
    }

    var received: [String] { messages.withLock { $0 } }

    func application(logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.post("/slack/**") { [self] request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            let text = Self.text(of: Data(body.readableBytesView))
            messages.withLock { $0.append(text) }
            timeline.say("slack", "#ops got: \(text.replacingOccurrences(of: "\n", with: " | "))")
            return .ok
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "demo-slack"),
            onServerRunning: { [self] channel in port.withLock { $0 = channel.localAddress?.port } },
            logger: logger
        )
    }

    /// The URL once the server is up.
    func waitUntilListening() async throws -> String {
        for _ in 0..<500 {
            if let port = port.withLock({ $0 }) { return "http://127.0.0.1:\(port)/slack/services/T0DEMO/B0DEMO" }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw DemoFailure("the demo's Slack receiver did not start")
    }

    /// The message's sections, as plain text: what a person would read in the channel.
    static func text(of body: Data) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return String(decoding: body, as: UTF8.self)
        }
        let blocks = object["blocks"] as? [[String: Any]] ?? []
        let sections = blocks.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }
        return sections.isEmpty ? (object["text"] as? String ?? "") : sections.joined(separator: "\n")
    }
}

/// The demo could not complete; the message says which part.
struct DemoFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
