import BotEngine
import BotKit
import Foundation

/// Decodes `Decodable` config types from a located ``ConfigNode`` tree, so that every error names the
/// file, line and key path, and a key the type does not know is an error (a typo must not silently
/// disable anything).
///
/// Unknown keys are detected for every keyed type whose `CodingKeys` is `CaseIterable`. A property of
/// type ``ConfigNode`` receives its subtree as is (rules and plugin sections are validated elsewhere).
enum ConfigNodeDecoder {
    static func decode<T: Decodable>(_ type: T.Type, from node: ConfigNode) throws -> T {
        do {
            return try T(from: NodeDecoder(node: node, codingPath: []))
        } catch let diagnostic as ConfigDiagnostic {
            throw diagnostic
        } catch let error as DecodingError {
            throw diagnostic(for: error, root: node)
        }
    }

    /// Decodes going on past errors: a key that fails is reported and left at its default, so one run
    /// reports every error in the file, not only the first.
    ///
    /// - Returns: the value (nil when the root itself could not be decoded) and every error, in the
    ///   order found.
    static func decodeCollectingErrors<T: Decodable>(_ type: T.Type, from node: ConfigNode) -> (T?, [ConfigDiagnostic]) {
        let sink = DiagnosticSink(root: node)
        do {
            let value = try T(from: NodeDecoder(node: node, codingPath: [], sink: sink))
            return (value, sink.diagnostics)
        } catch {
            sink.record(error)
            return (nil, sink.diagnostics)
        }
    }

    /// A decoding error thrown by a custom `init(from:)`, located by walking its coding path.
    static func diagnostic(for error: DecodingError, root: ConfigNode) -> ConfigDiagnostic {
        switch error {
        case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
            let node = locate(context.codingPath, in: root)
            return ConfigDiagnostic(at: node?.location, path: render(context.codingPath), context.debugDescription)
        case .keyNotFound(let key, let context):
            let node = locate(context.codingPath, in: root)
            return ConfigDiagnostic(at: node?.location, path: render(context.codingPath), "missing required key '\(key.stringValue)'")
        @unknown default:
            return ConfigDiagnostic(at: root.location, path: "", "\(error)")
        }
    }

    static func locate(_ path: [any CodingKey], in root: ConfigNode) -> ConfigNode? {
        var current: ConfigNode? = root
        for key in path {
            if let index = key.intValue {
                guard let items = current?.items, items.indices.contains(index) else { return current }
                current = items[index]
            } else {
                guard let next = current?[key.stringValue] else { return current }
                current = next
            }
        }
        return current
    }

    /// `rules[2].where.export.format`
    static func render(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }
}

/// A key in a coding path: a mapping key or a sequence index.
struct NodeKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { self.stringValue = string }
    init(index: Int) {
        self.stringValue = "\(index)"
        self.intValue = index
    }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.init(index: intValue) }
}

/// Where a decoder that goes on past errors keeps them. Used by one decoding on one thread: the
/// decoders of one ``ConfigNodeDecoder/decodeCollectingErrors(_:from:)`` call share it.
final class DiagnosticSink {
    let root: ConfigNode
    private(set) var diagnostics: [ConfigDiagnostic] = []
    /// The diagnostics, to tell a repeat at once: searching the list made thousands of errors quadratic.
    private var recorded: Set<ConfigDiagnostic> = []

    init(root: ConfigNode) { self.root = root }

    func record(_ error: any Error) {
        let diagnostic: ConfigDiagnostic
        switch error {
        case let found as ConfigDiagnostic: diagnostic = found
        case let decoding as DecodingError: diagnostic = ConfigNodeDecoder.diagnostic(for: decoding, root: root)
        default: diagnostic = ConfigDiagnostic(at: root.location, path: "", "\(error)")
        }
        // A value read twice (a probe, then the real read) must not be reported twice.
        if recorded.insert(diagnostic).inserted { diagnostics.append(diagnostic) }
    }
}

extension KeyedDecodingContainer {
    /// Runs `read`; when it throws, a decoder that goes on past errors records the error and answers nil
    /// (the key keeps its default), any other rethrows.
    func collecting<T>(_ read: () throws -> T?) throws -> T? {
        do {
            return try read()
        } catch {
            try report(error)
            return nil
        }
    }

    /// Records `error` when the decoder goes on past errors, else throws it: for checks across keys,
    /// made after they are read.
    func report(_ error: any Error) throws {
        guard let decoder = try? superDecoder() as? NodeDecoder, let sink = decoder.sink else { throw error }
        sink.record(error)
    }
}

struct NodeDecoder: Decoder {
    let node: ConfigNode
    let codingPath: [any CodingKey]
    var sink: DiagnosticSink?
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    var path: String { ConfigNodeDecoder.render(codingPath) }

    func fail(_ message: String) -> ConfigDiagnostic {
        ConfigDiagnostic(at: node.location, path: path, message)
    }

    /// What a type error says it found: the value's kind only under a secret-named key (`api_key`,
    /// `secrets[0]`), whose value must not be printed.
    var found: String {
        let key = codingPath.last { $0.intValue == nil }?.stringValue ?? ""
        return ConfigNode.isSecretNamed(key) ? node.kindDescriptionWithoutValue : node.kindDescription
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .mapping(let entries, _) = node else {
            throw fail("expected a mapping of keys, found \(found)")
        }
        if let known = Key.self as? any CaseIterable.Type {
            let names = Set(known.allCasesStrings)
            for entry in entries where !names.contains(entry.key) {
                let suggestion = Suggestion.closest(to: entry.key, in: names).map { " (did you mean '\($0)'?)" } ?? ""
                try report(
                    ConfigDiagnostic(
                        at: entry.keyLocation,
                        path: ConfigNodeDecoder.render(codingPath + [NodeKey(entry.key)]),
                        "unknown key '\(entry.key)'\(suggestion)"
                    )
                )
            }
        }
        var seen: Set<String> = []
        for entry in entries where !seen.insert(entry.key).inserted {
            try report(
                ConfigDiagnostic(
                    at: entry.keyLocation,
                    path: ConfigNodeDecoder.render(codingPath + [NodeKey(entry.key)]),
                    "key '\(entry.key)' is written twice"
                )
            )
        }
        return KeyedDecodingContainer(KeyedNodeContainer<Key>(decoder: self, entries: entries))
    }

    /// Records `error` when going on past errors, else throws it.
    func report(_ error: ConfigDiagnostic) throws {
        guard let sink else { throw error }
        sink.record(error)
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .sequence(let items, _) = node else {
            throw fail("expected a list, found \(found)")
        }
        return UnkeyedNodeContainer(decoder: self, items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleNodeContainer(decoder: self)
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        // A `ConfigNode` property takes its subtree as is, locations included; everything else, strings
        // and numbers too, decodes through this decoder's containers.
        if let subtree = node as? T { return subtree }
        return try T(from: self)
    }

    func child(_ node: ConfigNode, _ key: any CodingKey) -> NodeDecoder {
        NodeDecoder(node: node, codingPath: codingPath + [key], sink: sink)
    }
}

private struct KeyedNodeContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: NodeDecoder
    let entries: [ConfigNode.Entry]
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { entries.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool { entries.contains { $0.key == key.stringValue } }

    private func entry(_ key: Key) throws -> ConfigNode {
        guard let entry = entries.first(where: { $0.key == key.stringValue }) else {
            throw decoder.fail("missing required key '\(key.stringValue)'")
        }
        return entry.value
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        try entry(key).isNull
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let node = try entry(key)
        if node.isNull, T.self != ConfigNode.self {
            throw decoder.child(node, key).fail("a value is required")
        }
        return try decoder.child(node, key).decode(T.self)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try decodeGoingOn(type, forKey: key)
    }

    // The protocol's own `decodeIfPresent` for these types would call `decode` and throw past the
    // going-on below: a wrong `plain_http` would then end its whole section's checks.
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try decodeGoingOn(type, forKey: key) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try decodeGoingOn(type, forKey: key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try decodeGoingOn(type, forKey: key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try decodeGoingOn(type, forKey: key) }

    private func decodeGoingOn<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let entry = entries.first(where: { $0.key == key.stringValue }), !entry.value.isNull else { return nil }
        do {
            return try decoder.child(entry.value, key).decode(T.self)
        } catch {
            // Going on past errors: the key keeps its default, and its siblings are still read.
            guard let sink = decoder.sink else { throw error }
            sink.record(error)
            return nil
        }
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try decoder.child(try entry(key), key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.child(try entry(key), key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { decoder.child(try entry(key), key) }
}

private struct UnkeyedNodeContainer: UnkeyedDecodingContainer {
    let decoder: NodeDecoder
    let items: [ConfigNode]
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(decoder: NodeDecoder, items: [ConfigNode]) {
        self.decoder = decoder
        self.items = items
    }

    private mutating func next() throws -> (ConfigNode, NodeKey) {
        guard !isAtEnd else { throw decoder.fail("the list has fewer items than expected") }
        defer { currentIndex += 1 }
        return (items[currentIndex], NodeKey(index: currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (node, key) = try next()
        return try decoder.child(node, key).decode(T.self)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (node, key) = try next()
        return try decoder.child(node, key).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (node, key) = try next()
        return try decoder.child(node, key).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (node, key) = try next()
        return decoder.child(node, key)
    }
}

private struct SingleNodeContainer: SingleValueDecodingContainer {
    let decoder: NodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    var node: ConfigNode { decoder.node }

    func decodeNil() -> Bool { node.isNull }

    private func scalar(_ expected: String) throws -> String {
        guard case .scalar(let text, _, _) = node, !node.isNull else {
            throw decoder.fail("expected \(expected), found \(decoder.found)")
        }
        return text
    }

    // Numbers and booleans read a reference's value as if written plainly. A reference left unresolved
    // (`check-config --no-env`) has no value to check: it stands for 1 or false, which every check of
    // these keys accepts, so the rest of the file is still checked.

    func decode(_ type: Bool.Type) throws -> Bool {
        if node.isUnresolvedReference { return false }
        switch node.typedJSON {
        case .bool(let value): return value
        default: throw decoder.fail("expected true or false, found \(decoder.found)")
        }
    }

    func decode(_ type: String.Type) throws -> String { try scalar("text") }

    func decode(_ type: Double.Type) throws -> Double {
        _ = try scalar("a number")
        if node.isUnresolvedReference { return 1 }
        guard let value = node.typedJSON.numberValue else { throw decoder.fail("expected a number, found \(decoder.found)") }
        return value
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    func decode(_ type: Int.Type) throws -> Int {
        _ = try scalar("a whole number")
        if node.isUnresolvedReference { return 1 }
        guard case .number(let value) = node.typedJSON, value.rounded() == value, abs(value) < 1e15 else {
            throw decoder.fail("expected a whole number, found \(decoder.found)")
        }
        return Int(value)
    }

    func decode(_ type: Int8.Type) throws -> Int8 { Int8(clamping: try decode(Int.self)) }
    func decode(_ type: Int16.Type) throws -> Int16 { Int16(clamping: try decode(Int.self)) }
    func decode(_ type: Int32.Type) throws -> Int32 { Int32(clamping: try decode(Int.self)) }
    func decode(_ type: Int64.Type) throws -> Int64 { Int64(try decode(Int.self)) }
    func decode(_ type: UInt.Type) throws -> UInt { UInt(clamping: try decode(Int.self)) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { UInt8(clamping: try decode(Int.self)) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { UInt16(clamping: try decode(Int.self)) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { UInt32(clamping: try decode(Int.self)) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { UInt64(clamping: try decode(Int.self)) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decoder.decode(T.self)
    }
}

extension CaseIterable {
    fileprivate static var allCasesStrings: [String] {
        allCases.compactMap { ($0 as? any CodingKey)?.stringValue }
    }
}
