public import BotKit

extension Event {
    /// The export whose recorded chain depth applies to this event: its subject, or the export its data
    /// names (``EventStore/recordedChainDepth(exportUID:)``).
    public var chainExportUID: String? {
        subject?.kind == "export" ? subject?.uid : data["export"]?["uid"]?.stringValue
    }

    /// This event with `depth` when that is deeper than the depth it carries.
    public func withChainDepth(atLeast depth: Int) -> Event {
        guard depth > chainDepth else { return self }
        var deeper = self
        deeper.chainDepth = depth
        return deeper
    }
}
