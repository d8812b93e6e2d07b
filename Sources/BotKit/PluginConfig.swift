/// A plugin's own config (`plugins.<name>`), already checked against its declared `configKeys`.
public struct PluginConfig: Hashable, Sendable {
    public var values: [String: JSON]
    /// Every value in ``values`` that the config file took from a `${NAME}` or `${file:…}` reference:
    /// often a secret, so a plugin that shows text it does not control (a program's output) takes these
    /// out of it first. Literal values are not here.
    public var referencedValues: Set<String>

    public init(_ values: [String: JSON] = [:], referencedValues: Set<String> = []) {
        self.values = values
        self.referencedValues = referencedValues
    }

    public subscript(key: String) -> JSON? { values[key] }

    /// A list of strings, or nil when absent.
    /// - Throws: ``PluginConfigError`` when present with another type.
    public func strings(_ key: String) throws -> [String]? {
        guard let value = values[key], value != .null else { return nil }
        guard let array = value.arrayValue else { throw PluginConfigError(key: key, "expected a list of strings") }
        return try array.map { item in
            guard let text = item.stringValue else { throw PluginConfigError(key: key, "expected a list of strings") }
            return text
        }
    }

    public func int(_ key: String) throws -> Int? {
        guard let value = values[key], value != .null else { return nil }
        guard let number = value.intValue else { throw PluginConfigError(key: key, "expected a whole number") }
        return number
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let value = values[key], value != .null else { return nil }
        guard let flag = value.boolValue else { throw PluginConfigError(key: key, "expected true or false") }
        return flag
    }

    /// A duration written as the config does (`30s`, `5m`, `1h30m`), or nil when absent.
    public func duration(_ key: String) throws -> Duration? {
        guard let value = values[key], value != .null else { return nil }
        guard let text = value.stringValue else { throw PluginConfigError(key: key, "expected a duration like 30s, 5m or 1h30m") }
        do {
            return try ConfigDuration.parse(text)
        } catch {
            throw PluginConfigError(key: key, error.message)
        }
    }

    /// A size in bytes, written as the config does (`4KiB`, `1MB`, a number of bytes), or nil when absent.
    public func size(_ key: String) throws -> Int? {
        guard let value = values[key], value != .null else { return nil }
        let bytes: Int? =
            switch value {
            case .number, .integer: value.intValue.flatMap { $0 >= 0 ? $0 : nil }
            case .string(let text): ConfigSize.parse(text.trimmingWhitespace)
            default: nil
            }
        guard let bytes else { throw PluginConfigError(key: key, "\(value.compactJSON) is not a size (\(ConfigSize.expected))") }
        return bytes
    }

    /// A string, or nil when absent.
    public func string(_ key: String) throws -> String? {
        guard let value = values[key], value != .null else { return nil }
        guard let text = value.stringValue else { throw PluginConfigError(key: key, "expected a string") }
        return text
    }
}
