public import Foundation

extension Event {
    /// The event as a file and on the wire (`events show`, the `forward` plugin's body, `exec`'s stdin):
    /// `{"type", "id", "source", "origin", "time", "subject", "chain_depth", "replay_of", "data"}`.
    /// `simulate --event` and a listener path with `format: avala-bot` read it back.
    public var fileForm: JSON {
        var object: [String: JSON] = [
            "type": .string(type.rawValue), "id": .string(id), "source": .string(source.rawValue),
            "origin": .string(origin), "time": .string(Self.timestamp(time)),
            "chain_depth": .number(Double(chainDepth)), "data": data,
        ]
        if let subject { object["subject"] = ["kind": .string(subject.kind), "uid": .string(subject.uid)] }
        if let replayOf { object["replay_of"] = .string(replayOf) }
        return .object(object)
    }

    /// ``fileForm`` as JSON bytes with sorted keys, so the same event always encodes the same way
    /// (a signature over it is reproducible).
    public func fileData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(fileForm)
    }
}
