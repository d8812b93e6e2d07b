import AlertPlugin
import BotEngine
import BotKit
import Foundation
import GRDB
import Logging
import Synchronization
import Testing

/// How the alert plugin keeps its groups in a real SQLite store: each waiting alert under its own key, so
/// that one alert joining a big group does not write the others' events again, and groups stored by an
/// earlier version (every waiting alert inline in the `groups` key) still go out after an upgrade.
@Suite struct AlertStateLayoutTests {
    static let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
    static let rule = "page-on-failed-export"

    @Test func oneAlertWritesItselfAndTheGroupNotTheOthers() async throws {
        let fixture = try await LayoutFixture()
        defer { fixture.removeFiles() }
        // Events far bigger than what a group keeps per alert, so rewriting them would show.
        let error = String(repeating: "worker ran out of memory; ", count: 80)
        for n in 1...3 {
            let outcome = try await fixture.send("Export e-\(n) failed", key: "k\(n)", event: .failure("e-\(n)", error: error))
            #expect(outcome.name == "deferred", "\(outcome)")
            if n == 2 { fixture.state.writes.withLock { $0.removeAll() } }
        }

        let written = fixture.state.writes.withLock { $0 }
        #expect(written.map(\.key).sorted() == ["alerts/k3", "groups"], "the third alert wrote only itself and its group: \(written)")
        let rows = try await fixture.rows()
        #expect(rows.keys.sorted() == ["alerts/k1", "alerts/k2", "alerts/k3", "groups"])
        let groups = try #require(rows["groups"])
        #expect(!groups.contains("worker ran out of memory") && !groups.contains("Export e-1 failed"), "\(groups)")
        #expect(groups.utf8.count < 1_000, "the group lists its alerts, not their events: \(groups.utf8.count) bytes")
        let groupBytes = written.first { $0.key == "groups" }?.bytes ?? .max
        let alertBytes = try #require(rows["alerts/k3"]).utf8.count
        #expect(groupBytes < alertBytes / 4, "the group written (\(groupBytes) bytes) is small beside one alert (\(alertBytes) bytes)")
        #expect(try #require(rows["alerts/k1"]).contains("Export e-1 failed"))

        fixture.clock.advance(by: 30)
        #expect(
            try await fixture.send("Export e-1 failed", key: "k1", event: .failure("e-1", error: error))
                == .done("sent 3 alerts to ops in one message")
        )
        let body = try #require(fixture.http.bodies.first)
        #expect(fixture.http.bodies.count == 1)
        for n in 1...3 { #expect(body.contains("Export e-\(n) failed")) }
        #expect(try await fixture.send("Export e-2 failed", key: "k2", event: .failure("e-2", error: error)).name == "done")
        #expect(try await fixture.rows().keys.sorted() == ["alerts/k3", "groups"], "an alert's own action removes its key once it has ended")
    }

    /// A bot upgraded while alerts wait: the group the earlier version stored, its alerts inline, is read,
    /// its alerts move to their own keys on the first read, and they go out in the group's message.
    @Test func aGroupStoredByTheEarlierVersionIsMovedOnFirstReadAndSent() async throws {
        let fixture = try await LayoutFixture()
        defer { fixture.removeFiles() }
        let at = JSON.number(Self.start.timeIntervalSince1970 * 1_000)
        let old = Event.failure("e-1", error: "disk full")
        let groupKey = JSON.array([.string(Self.rule), "ops", ["event.type": "export.failed"]]).compactJSON
        let earlier: JSON = [
            groupKey: [
                "rule": .string(Self.rule), "receiver": "ops", "labels": ["event.type": "export.failed"], "instance": "00000000000000aa",
                "pending": [
                    [
                        "id": "old-1", "text": "Export e-1 failed", "rule": .string(Self.rule), "event_id": .string(old.id), "at": at,
                        "fingerprint": "0123456789abcdef", "scope": old.scope, "event": old.fileForm,
                    ]
                ],
                "flush_at": .number(Self.start.timeIntervalSince1970 * 1_000 + 30_000), "sends": 0, "delivered": [], "sent": [],
                "group_interval": 300_000, "repeat_interval": 14_400_000, "touched_at": at,
            ]
        ]
        try await fixture.store.setPluginState(plugin: "alert", key: "groups", value: earlier)

        fixture.clock.advance(by: 10)
        let joined = try await fixture.send("Export e-2 failed", key: "k2", event: .failure("e-2", error: "disk full"))
        #expect(joined.detail.contains("(2 alerts in the group)"), "\(joined)")
        let rows = try await fixture.rows()
        #expect(rows.keys.sorted() == ["alerts/k2", "alerts/old-1", "groups"])
        #expect(try #require(rows["alerts/old-1"]).contains("Export e-1 failed"))
        let groups = try #require(rows["groups"])
        #expect(!groups.contains("Export e-1 failed") && groups.contains("old-1"), "\(groups)")

        fixture.clock.advance(by: 20)
        #expect(
            try await fixture.send("Export e-2 failed", key: "k2", event: .failure("e-2", error: "disk full"))
                == .done("sent 2 alerts to ops in one message")
        )
        let body = try #require(fixture.http.bodies.first)
        #expect(body.contains("Export e-1 failed") && body.contains("Export e-2 failed"))
        #expect(body.contains("\"id\":\"alert_") && body.contains("00000000000000aa_1"), "the group keeps its instance across the upgrade: \(body)")
    }
}

/// The alert plugin with a webhook receiver `ops`, its state in a real SQLite file (through a recorder of
/// the keys written), and a clock the test moves.
private struct LayoutFixture {
    let directory: URL
    let store: SQLiteEventStore
    let state: RecordingPluginState
    let plugin: AlertPlugin
    let http = CapturingHTTP()
    let clock = LayoutClock(AlertStateLayoutTests.start)

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("alert-layout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let logger = Logger(label: "alert-layout") { _ in SwiftLogNoOpLogHandler() }
        store = try SQLiteEventStore(path: directory.appendingPathComponent("events.sqlite").path, logger: logger)
        try await store.migrate()
        state = RecordingPluginState(base: StoredPluginState(store: store, plugin: "alert"))
        plugin = try AlertPlugin(
            config: PluginConfig(["receivers": ["ops": ["webhook": ["url": "https://alerts.example.test/in"]]], "group_wait": "30s"])
        )
    }

    func removeFiles() { try? FileManager.default.removeItem(at: directory) }

    func send(_ text: String, key: String, event: Event) async throws -> ActionOutcome {
        let context = PluginContext(
            logger: Logger(label: "alert-layout") { _ in SwiftLogNoOpLogHandler() },
            config: PluginConfig(),
            dryRun: false,
            idempotencyKey: key,
            state: state,
            http: http,
            now: { [clock] in clock.now }
        )
        return try await plugin.perform(
            ActionRequest(
                action: "send",
                parameters: ["receiver": "ops", "text": .string(text), "group_by": ["event.type"]],
                event: event,
                rule: AlertStateLayoutTests.rule
            ),
            context: context
        )
    }

    /// The alert plugin's rows of the plugin_state table, key → stored text, read from the file itself.
    func rows() async throws -> [String: String] {
        let path = directory.appendingPathComponent("events.sqlite").path
        let rows = try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT key, value FROM plugin_state WHERE plugin = 'alert'")
        }
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["key"] as String, $0["value"] as String) })
    }
}

/// Passes everything to the store and records each key written with the size of what was written.
private final class RecordingPluginState: PluginState {
    struct Write: Sendable, CustomStringConvertible {
        var key: String
        var bytes: Int
        var description: String { "\(key) (\(bytes) bytes)" }
    }
    let base: any PluginState
    let writes = Mutex<[Write]>([])

    init(base: any PluginState) { self.base = base }

    private func record(_ key: String, _ value: JSON?) {
        writes.withLock { $0.append(Write(key: key, bytes: value?.compactJSON.utf8.count ?? 0)) }
    }

    func get(_ key: String) async throws -> JSON? { try await base.get(key) }
    func set(_ key: String, _ value: JSON) async throws {
        try await base.set(key, value)
        record(key, value)
    }
    func remove(_ key: String) async throws {
        try await base.remove(key)
        record(key, nil)
    }
    @discardableResult
    func update(_ key: String, _ transform: @escaping @Sendable (JSON?) throws -> JSON?) async throws -> JSON? {
        let next = try await base.update(key, transform)
        record(key, next)
        return next
    }
}

/// Answers 204 and keeps each request's body.
private final class CapturingHTTP: OutboundHTTP {
    private let received = Mutex<[String]>([])
    var bodies: [String] { received.withLock { $0 } }

    func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        received.withLock { $0.append(String(decoding: request.body ?? Data(), as: UTF8.self)) }
        return OutboundResponse(status: 204)
    }
}

private final class LayoutClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

extension Event {
    fileprivate static func failure(_ uid: String, error: String) -> Event {
        Event(
            id: "event-\(uid)",
            type: .exportFailed,
            source: .webhook,
            time: AlertStateLayoutTests.start,
            subject: Event.Subject(kind: "export", uid: uid),
            data: [
                "export": ["uid": .string(uid), "status": "failed", "error": .string(error)],
                "project": ["uid": "p-1", "name": "prod-cats"],
            ]
        )
    }
}
