import BotEngine
import BotKit
import Pollers

/// The chain links the export plugin leaves behind, in the snapshots the exports poller reads:
/// `chain:export:<uid>` holds the depth any event about that export carries, and `exports.followed` the
/// exports the watcher checks until they are terminal. `chain:intended:<uid>` holds the depth the
/// dispatcher's enrichment placed an unrecorded export at by the pending intents: a guess, which the
/// export's own record, when it comes, replaces rather than raises.
struct ExportChain {
    let store: any EventStore
    /// The newest followed exports kept; older ones are long terminal.
    var maxFollowed = 500

    static func key(_ uid: String) -> String { SQLiteEventStore.chainSnapshotKey(exportUID: uid) }
    static func intendedKey(_ uid: String) -> String { "chain:intended:\(uid)" }
    static func ownerKey(_ uid: String) -> String { "chain:owner:\(uid)" }
    static let followedKey = ExportsPoller.followedKey

    /// - Parameter owner: the idempotency key of the action that created or adopted the export; written
    ///   first, so that a crash between the two never leaves a depth without its owner.
    func record(exportUID: String, depth: Int, follow: Bool, owner: String? = nil) async throws {
        if let owner {
            _ = try await store.updateSnapshot(Self.ownerKey(exportUID)) { current in current ?? .string(owner) }
        }
        _ = try await store.updateSnapshot(Self.key(exportUID)) { current in
            .number(Double(max(depth, current?.intValue ?? 0)))
        }
        guard follow else { return }
        let limit = maxFollowed
        _ = try await store.updateSnapshot(Self.followedKey) { current in
            var uids = current?.arrayValue?.compactMap(\.stringValue) ?? []
            if !uids.contains(exportUID) { uids.append(exportUID) }
            return .array(uids.suffix(limit).map(JSON.string))
        }
    }

    /// Keeps the deepest depth the intents placed `exportUID` at.
    func recordIntended(exportUID: String, depth: Int) async throws {
        _ = try await store.updateSnapshot(Self.intendedKey(exportUID)) { current in
            .number(Double(max(depth, current?.intValue ?? 0)))
        }
    }

    /// Who created the export, as recorded.
    func owner(exportUID: String) async throws -> ExportOwner {
        if let owner = try await store.snapshot(Self.ownerKey(exportUID))?.stringValue { return .action(owner) }
        return try await store.snapshot(Self.key(exportUID)) == nil ? .unrecorded : .unknown
    }

    /// The depth the intents placed `exportUID` at, if they did.
    func intendedDepth(exportUID: String) async throws -> Int? {
        try await store.snapshot(Self.intendedKey(exportUID))?.intValue
    }

}
