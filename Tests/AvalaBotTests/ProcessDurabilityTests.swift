import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import TestSupport
import Testing
import WebhookListener

/// PRODUCT.md's first guarantee, "a webhook answered 2xx is already on disk", checked on the real binary:
/// signed deliveries stream in over TLS while the process is stopped — SIGKILL, which ends it mid-write,
/// or SIGTERM, which must drain — and then a new process on the same store must recognise every delivery
/// the first one answered 202 as a duplicate.
@Suite(.serialized) struct ProcessDurabilityTests {
    static let secret = "process-durability-secret"
    static let body = Array(#"{"event":"bench.ping","payload":{"uid":"p-1","note":"a delivery of about one hundred bytes"}}"#.utf8)
    /// Deliveries answered 202 before the signal is sent: enough that many are in flight around it.
    static let acceptedBeforeSignal = 150
    static let senders = 16

    @Test(arguments: [SIGKILL, SIGTERM])
    func everyDeliveryAnswered202SurvivesTheProcess(signal: Int32) async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        try await SimulatorHarness.with { harness in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("process-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let configPath = directory.appendingPathComponent("avala-bot.yaml").path
            try Self.config(store: directory.appendingPathComponent("avala-bot.sqlite").path, certificates: certificates)
                .write(toFile: configPath, atomically: true, encoding: .utf8)
            let environment = [
                "AVALA_API_KEY": harness.apiKey, "AVALA_BASE_URL": harness.baseURL, "AVALA_ALLOW_INSECURE_BASE_URL": "1",
                "HOOK_SECRET": Self.secret,
            ]
            let logPath = directory.appendingPathComponent("avala-bot.log").path
            try await Self.withClient(certificates) { client in

                // First process: deliveries until the signal ends it.
                let first = try await BotProcess(configPath: configPath, environment: environment, logPath: logPath)
                let outcome = Outcome()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for sender in 0..<Self.senders {
                        group.addTask { await Self.send(from: sender, port: first.port, client: client, into: outcome) }
                    }
                    try await Eventually.until(timeout: .seconds(60)) { outcome.acceptedCount >= Self.acceptedBeforeSignal }
                    first.send(signal)
                    try await group.waitForAll()
                }
                let exit = await first.waitForExit()
                #expect(exit == (signal == SIGKILL ? .signal(SIGKILL) : .status(0)), "\(exit); log:\n\(first.log)")
                let accepted = outcome.accepted
                #expect(outcome.unexpected.isEmpty, "answers other than 202: \(outcome.unexpected.prefix(5))")
                try #require(accepted.count >= Self.acceptedBeforeSignal)

                // Second process on the same store: every delivery answered 202 is known.
                let second = try await BotProcess(configPath: configPath, environment: environment, logPath: logPath)
                var notStored: [String] = []
                for id in accepted.sorted() {
                    let answer = try await Self.deliver(id, port: second.port, client: client)
                    if answer.status != 200 || !answer.body.contains(#""duplicate":true"#) { notStored.append("\(id): \(answer)") }
                }
                #expect(notStored.isEmpty, "\(notStored.count) of \(accepted.count) deliveries answered 202 were lost: \(notStored.prefix(5))")
                // A delivery the first process never saw is new: the second does not call everything a duplicate.
                let fresh = try await Self.deliver("never-sent-before", port: second.port, client: client)
                #expect(fresh.status == 202, "\(fresh)")
                second.send(SIGTERM)
                let secondExit = await second.waitForExit()
                #expect(secondExit == .status(0), "\(secondExit); log:\n\(second.log)")
            }
        }
    }

    /// What the senders saw: delivery ids answered 202, and any answer that was neither 202 nor a
    /// connection error (a stopping process may drop a connection; it must never answer anything else).
    final class Outcome: Sendable {
        private let state = Mutex<(accepted: [String], unexpected: [String])>(([], []))
        var accepted: [String] { state.withLock { $0.accepted } }
        var acceptedCount: Int { state.withLock { $0.accepted.count } }
        var unexpected: [String] { state.withLock { $0.unexpected } }
        func record(_ id: String, _ answer: Answer) {
            state.withLock { state in
                if answer.status == 202 { state.accepted.append(id) } else { state.unexpected.append("\(id): \(answer)") }
            }
        }
    }

    struct Answer: CustomStringConvertible {
        var status: Int
        var body: String
        var description: String { "\(status) \(body)" }
    }

    /// Sends new deliveries one after another until the process stops answering. A 503 while it stops
    /// would also be correct for a sender, but this bot drains instead, so it counts as unexpected here.
    static func send(from sender: Int, port: Int, client: HTTPClient, into outcome: Outcome) async {
        var number = 0
        while true {
            number += 1
            let id = "sender-\(sender)-\(number)"
            guard let answer = try? await deliver(id, port: port, client: client) else { return }
            outcome.record(id, answer)
        }
    }

    static func deliver(_ id: String, port: Int, client: HTTPClient) async throws -> Answer {
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/webhooks/avala")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let signer = try WebhookSigner(scheme: .avala, secret: secret)
        for (name, value) in signer.headers(for: body, event: "bench.ping", deliveryID: id, at: Date()) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(30))
        let text = try await response.body.collect(upTo: 1 << 16)
        return Answer(status: Int(response.status.code), body: String(buffer: text))
    }

    static func withClient(_ certificates: TestCertificates, _ body: (HTTPClient) async throws -> Void) async throws {
        let client = try Self.client(certificates)
        do {
            try await body(client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    static func client(_ certificates: TestCertificates) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificates.certificatePath))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        // A refused connection ends a sender at once instead of being retried.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The listener as in production, on an ephemeral loopback port, with the per-IP limit lifted (every
    /// sender is 127.0.0.1) and no rules: the dispatcher still claims and finishes every event.
    static func config(store: String, certificates: TestCertificates) -> String {
        """
        listener:
          bind: "127.0.0.1:0"
          path: /webhooks/avala
          verify: { scheme: avala, secrets: ["${HOOK_SECRET}"] }
          tls: { cert: "\(certificates.certificatePath)", key: "\(certificates.keyPath)" }
          per_ip: { rate_per_second: 100000, burst: 100000 }
        store: { sqlite: "\(store)" }
        dispatcher: { shutdown_grace: 5s }
        rules: []
        log: { level: info, format: logfmt }
        """
    }
}
