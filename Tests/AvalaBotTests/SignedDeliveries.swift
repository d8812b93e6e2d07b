import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import WebhookListener

/// Signed `avala` deliveries to a bot process over TLS, from several senders at once, and what each
/// got back: delivery ids answered 202, and every other answer (a connection error is not an answer).
final class SignedDeliveries: Sendable {
    struct Answer: CustomStringConvertible, Sendable {
        var status: Int
        var body: String
        var description: String { "\(status) \(body)" }
    }

    static let body = Array(#"{"event":"bench.ping","payload":{"uid":"p-1","note":"a delivery of about one hundred bytes"}}"#.utf8)

    let client: HTTPClient
    private let state = Mutex<(accepted: [String], unexpected: [String], errors: [String], stopped: Bool)>(([], [], [], false))

    private init(client: HTTPClient) {
        self.client = client
    }

    /// Runs `body` with a client that trusts only the certificate at `certificatePath`.
    static func with(trusting certificatePath: String, _ body: (SignedDeliveries) async throws -> Void) async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificatePath))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        // A refused connection ends a sender at once instead of being retried.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await body(SignedDeliveries(client: client))
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    var accepted: [String] { state.withLock { $0.accepted } }
    var acceptedCount: Int { state.withLock { $0.accepted.count } }
    /// Answers other than 202 to a new delivery.
    var unexpected: [String] { state.withLock { $0.unexpected } }
    /// Requests that ended without an answer (the connection failed or closed).
    var errors: [String] { state.withLock { $0.errors } }

    /// Ends every ``stream(sender:port:)`` after the delivery it is sending.
    func stopStreams() {
        state.withLock { $0.stopped = true }
    }

    /// Sends new deliveries (`sender-N-1`, `sender-N-2`, …) one after another until a request fails or
    /// ``stopStreams()`` is called.
    func stream(sender: Int, port: Int) async {
        var number = 0
        while !state.withLock({ $0.stopped }) {
            number += 1
            let id = "sender-\(sender)-\(number)"
            do {
                let answer = try await deliver(id, port: port)
                state.withLock { state in
                    if answer.status == 202 { state.accepted.append(id) } else { state.unexpected.append("\(id): \(answer)") }
                }
            } catch {
                state.withLock { $0.errors.append("\(id): \(error)") }
                return
            }
        }
    }

    func deliver(_ id: String, port: Int) async throws -> Answer {
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/webhooks/avala")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let signer = try WebhookSigner(scheme: .avala, secret: BotProcessFixture.webhookSecret)
        for (name, value) in signer.headers(for: Self.body, event: "bench.ping", deliveryID: id, at: Date()) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: Self.body))
        let response = try await client.execute(request, timeout: .seconds(30))
        let text = try await response.body.collect(upTo: 1 << 16)
        return Answer(status: Int(response.status.code), body: String(buffer: text))
    }
}
