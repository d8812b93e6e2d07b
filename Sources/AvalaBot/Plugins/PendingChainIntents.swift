import BotEngine
import BotKit
import Foundation

/// The export plugin's chain intents whose outcome is not known yet, in the snapshot `chain:pending` (a
/// JSON array of ``ExportChainIntent``, oldest first), next to the `chain:export:<uid>` links of
/// ``ExportChain``: an export the bot requested but whose uid it never recorded (a crash, a lost answer)
/// is found here by what was exported and when, and its events get the intent's depth.
///
/// Bounded on each write: the newest ``maxKept`` are kept, and any older than ``maxAge`` dropped. An
/// intent places only exports created within minutes of it, and those a dead-lettered action leaves
/// behind (its outcome never learned) must not pile up.
struct PendingChainIntents {
    static let key = "chain:pending"

    let store: any EventStore
    var maxKept = 500
    var maxAge: TimeInterval = 86_400
    var now: @Sendable () -> Date = { Date() }

    /// Adds `intent`, replacing an earlier one of the same id (the same action's earlier run).
    func record(_ intent: ExportChainIntent) async throws {
        try await update { intents in
            intents.removeAll { $0.id == intent.id }
            intents.append(intent)
        }
    }

    func remove(id: String) async throws {
        try await update { intents in intents.removeAll { $0.id == id } }
    }

    /// Every pending intent, oldest first.
    func all() async throws -> [ExportChainIntent] {
        Self.intents(in: try await store.snapshot(Self.key))
    }

    /// The depth the events of `export` must carry by the intents that cover it: the deepest of them, so
    /// that no chain is cut short by a shallower one; nil when none does.
    func depth(for export: AvalaExport) async throws -> Int? {
        try await all().filter { $0.covers(export) }.map(\.depth).max()
    }

    private func update(_ change: @escaping @Sendable (inout [ExportChainIntent]) -> Void) async throws {
        let oldest = now().addingTimeInterval(-maxAge)
        let limit = maxKept
        _ = try await store.updateSnapshot(Self.key) { current in
            var intents = Self.intents(in: current)
            change(&intents)
            intents = Array(intents.filter { $0.at >= oldest }.sorted { $0.at < $1.at }.suffix(limit))
            return intents.isEmpty ? nil : .array(intents.map(\.json))
        }
    }

    private static func intents(in snapshot: JSON?) -> [ExportChainIntent] {
        snapshot?.arrayValue?.compactMap(ExportChainIntent.init(json:)) ?? []
    }
}
