/// A string enumeration that keeps values it does not know.
///
/// Avala adds statuses and roles over time; a response that carries a value this version has never seen
/// must still decode, with the value kept as it was sent, instead of failing the whole page. Conforming
/// types are structs with static members for the known values.
///
/// ```swift
/// let status: ExportStatus = "archived"   // unknown today, kept verbatim
/// status.isTerminal                         // false: treated as still running
/// ```
public protocol OpenEnum: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral
where RawValue == String {
    init(rawValue: String)
}

extension OpenEnum {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }
}
