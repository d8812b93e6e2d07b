import AvalaSimulator
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The demo's stand-in for Slack: an HTTP server on loopback that takes incoming-webhook posts and
/// shows each message on the timeline.
final class DemoReceiver: Service, Sendable {
    private let messages = Mutex<[String]>([])
    private let address = ServerAddress()
    let timeline: DemoTimeline
    let logger: Logger

    init(timeline: DemoTimeline, logger: Logger) {
        self.timeline = timeline
        self.logger = logger
    }

    /// Serves until shutdown; a server that cannot start fails ``waitUntilListening()`` instead of
    /// leaving it waiting.
    func run() async throws {
        do {
            try await application().run()
        } catch {
            address.resolve(.failure(error))
            throw error
        }
        address.resolve(.failure(CancellationError()))
    }

    var received: [String] { messages.withLock { $0 } }

    private func application() -> some ApplicationProtocol {
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
            onServerRunning: { [address] channel in address.resolve(.success(channel.localAddress?.port ?? 0)) },
            logger: logger
        )
    }

    /// The URL once the server is up.
    func waitUntilListening() async throws -> String {
        "http://127.0.0.1:\(try await address.wait())/slack/services/T0DEMO/B0DEMO"
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
