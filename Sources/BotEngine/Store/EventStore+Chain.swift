public import BotKit

extension EventStore {
    /// The snapshot that holds the chain depth of an export the bot created (written by the export
    /// plugin's adapter, read by the listener, the exports poller and the dispatcher's enrichment).
    public static func chainSnapshotKey(exportUID: String) -> String { "chain:export:\(exportUID)" }

    /// The depth recorded for an export the bot created, or nil for any other export.
    public func recordedChainDepth(exportUID: String) async throws -> Int? {
        try await snapshot(Self.chainSnapshotKey(exportUID: exportUID))?.intValue
    }

    /// `event` with the depth recorded for its export, when that is deeper than what it carries.
    public func withRecordedChainDepth(_ event: Event) async -> Event {
        guard let uid = event.chainExportUID, let depth = try? await recordedChainDepth(exportUID: uid) else { return event }
        return event.withChainDepth(atLeast: depth)
    }
}
