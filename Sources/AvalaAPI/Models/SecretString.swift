/// A secret (an API key, a webhook secret) that never prints.
///
/// `description`, `debugDescription` and reflection all show `<redacted>`, so a secret that ends up in
/// string interpolation, a log line or `dump` does not leak. Read ``revealed`` only where the secret is
/// sent.
public struct SecretString: Codable, Hashable, Sendable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable, ExpressibleByStringLiteral
{
    private let value: String

    public init(_ value: String) { self.value = value }
    public init(stringLiteral value: String) { self.value = value }

    public init(from decoder: any Decoder) throws {
        self.value = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    /// The secret itself, for the one place that sends it.
    public var revealed: String { value }
    public var isEmpty: Bool { value.isEmpty }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
