import AsyncHTTPClient
import BotEngine
import BotKit
import Crypto
import Foundation
import InMemoryLogging
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import TestSupport
import WebhookListener

/// A listener on port 0 over a fresh SQLite store in a temporary directory, and a client to call it.
struct ListenerHarness: Sendable {
    let listener: WebhookListener
    let store: SQLiteEventStore
    let baseURL: String
    let client: HTTPClient
    let logs: InMemoryLogHandler

    /// A plain-HTTP configuration on loopback with one `avala` path.
    static func plainConfiguration(
        scheme: WebhookScheme = .avala,
        secrets: [WebhookSecret] = ["s3cret-one"],
        format: WebhookFormat = .avala
    ) -> WebhookListenerConfiguration {
        WebhookListenerConfiguration(
            host: "127.0.0.1",
            port: 0,
            paths: [WebhookPath(verification: WebhookVerification(scheme: scheme, secrets: secrets), format: format)],
            plainHTTP: true
        )
    }

    static func with<T: Sendable>(
        _ configuration: WebhookListenerConfiguration = plainConfiguration(),
        wrapStore: @Sendable (SQLiteEventStore) -> any EventStore = { $0 },
        wake: WakeSignal? = nil,
        client: HTTPClient = .shared,
        now: @escaping @Sendable () -> Date = { Date() },
        _ body: @Sendable (ListenerHarness) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("listener-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let logs = InMemoryLogHandler()
        var handler = logs
        handler.logLevel = .trace
        let logger = Logger(label: "listener-test") { _ in handler }
        let store = try SQLiteEventStore(path: directory.appendingPathComponent("events.sqlite").path, logger: logger)
        try await store.migrate()
        let listener = try WebhookListener(
            configuration: configuration,
            store: wrapStore(store),
            wake: wake,
            logger: logger,
            now: now
        )
        let result = try await ServiceGroupRunner.whileRunning(listener, logger: logger) {
            let port = try await listener.waitUntilListening()
            let scheme = configuration.tls == nil ? "http" : "https"
            return try await body(
                ListenerHarness(listener: listener, store: store, baseURL: "\(scheme)://127.0.0.1:\(port)", client: client, logs: logs)
            )
        }
        try store.close()
        return result
    }

    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        }
    }

    func post(_ path: String = "/webhooks/avala", body: [UInt8], headers: [(String, String)]) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await send(request)
    }

    func get(_ path: String) async throws -> Answer {
        try await send(HTTPClientRequest(url: baseURL + path))
    }

    func send(_ request: HTTPClientRequest) async throws -> Answer {
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    }

    /// Every stored event, newest first.
    func events() async throws -> [StoredEvent] {
        try await store.recentEvents(limit: 100, since: nil)
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// The `avala` scheme's headers for `body`.
    static func avalaHeaders(
        _ body: [UInt8],
        secret: String = "s3cret-one",
        event: String? = "export.completed",
        delivery: String? = "d-1"
    ) -> [(String, String)] {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        var headers = [("X-Avala-Webhook-Signature", hex(mac))]
        if let event { headers.append(("X-Avala-Webhook-Event", event)) }
        if let delivery { headers.append(("X-Avala-Webhook-Delivery", delivery)) }
        return headers
    }
}

/// A store whose writes fail while `failing` is set: the listener must answer 503, never 202.
final class BrokenStore: EventStore, Sendable {
    struct WriteFailed: Error {}
    let base: any EventStore
    init(_ base: any EventStore) { self.base = base }

    func migrate() async throws { try await base.migrate() }
    func ingest(_ events: [Event], snapshots: [String: JSON]) async throws -> [IngestResult] { throw WriteFailed() }
    func claim(limit: Int, now: Date) async throws -> [StoredEvent] { try await base.claim(limit: limit, now: now) }
    func releaseRunning() async throws -> Int { try await base.releaseRunning() }
    func steps(eventID: String) async throws -> [StepRecord] { try await base.steps(eventID: eventID) }
    func recordIntent(_ step: StepIntent) async throws { try await base.recordIntent(step) }
    func recordOutcome(_ outcome: StepOutcome, raising events: [Event]) async throws -> [IngestResult] {
        try await base.recordOutcome(outcome, raising: events)
    }
    func finish(eventID: String, result: EventResult) async throws { try await base.finish(eventID: eventID, result: result) }
    func raiseChainDepth(eventID: String, to depth: Int) async throws { try await base.raiseChainDepth(eventID: eventID, to: depth) }
    func event(id: String) async throws -> StoredEvent? { try await base.event(id: id) }
    func recentEvents(limit: Int, since: Date?) async throws -> [StoredEvent] { try await base.recentEvents(limit: limit, since: since) }
    func deadLetters(limit: Int) async throws -> [StepRecord] { try await base.deadLetters(limit: limit) }
    func recentSteps(limit: Int) async throws -> [StepRecord] { try await base.recentSteps(limit: limit) }
    func throttleAdmissions(since: Date) async throws -> [ThrottleAdmission] { try await base.throttleAdmissions(since: since) }
    func retryDeadLetter(stepID: String, now: Date) async throws -> Bool { try await base.retryDeadLetter(stepID: stepID, now: now) }
    func discardDeadLetter(stepID: String, now: Date) async throws -> Bool { try await base.discardDeadLetter(stepID: stepID, now: now) }
    func snapshot(_ key: String) async throws -> JSON? { try await base.snapshot(key) }
    func updateSnapshot(_ key: String, _ transform: @escaping @Sendable (JSON?) throws -> JSON?) async throws -> JSON? { throw WriteFailed() }
    func updatePluginState(plugin: String, key: String, _ transform: @escaping @Sendable (JSON?) throws -> JSON?) async throws -> JSON? {
        throw WriteFailed()
    }
    func pluginState(plugin: String, key: String) async throws -> JSON? { try await base.pluginState(plugin: plugin, key: key) }
    func setPluginState(plugin: String, key: String, value: JSON?) async throws {
        try await base.setPluginState(plugin: plugin, key: key, value: value)
    }
    func prune(doneBefore: Date, keysBefore: Date) async throws -> PruneResult {
        try await base.prune(doneBefore: doneBefore, keysBefore: keysBefore)
    }
    func queueDepth() async throws -> Int { try await base.queueDepth() }
    func deadLetterCount() async throws -> Int { try await base.deadLetterCount() }
}
