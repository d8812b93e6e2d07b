/// A decoding container that reads a field under any of several names.
///
/// The Avala sources disagree on field names (`owner_name` or `owner`, `invited_email` or `email`) and on
/// nesting (a member's user fields flat or under `user`). Models decode through this so each tolerated
/// variant is one line, while encoding stays the SDK's canonical form through `CodingKeys`.
struct FlexibleContainer {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { self.stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    let container: KeyedDecodingContainer<Key>

    init(_ decoder: any Decoder) throws {
        self.container = try decoder.container(keyedBy: Key.self)
    }

    /// The first of `names` present and not null; throws when none is.
    func required<T: Decodable>(_ names: String..., as type: T.Type = T.self) throws -> T {
        for name in names {
            if let value = try container.decodeIfPresent(T.self, forKey: Key(name)) { return value }
        }
        throw DecodingError.keyNotFound(
            Key(names[0]),
            DecodingError.Context(
                codingPath: container.codingPath,
                debugDescription: "Missing required field '\(names.joined(separator: "' or '"))'"
            )
        )
    }

    /// The first of `names` present and not null, else nil.
    func optional<T: Decodable>(_ names: String..., as type: T.Type = T.self) throws -> T? {
        for name in names {
            if let value = try container.decodeIfPresent(T.self, forKey: Key(name)) { return value }
        }
        return nil
    }

    /// Like ``optional(_:as:)``, but a value of the wrong type counts as absent instead of failing the
    /// whole response: for fields only some sources send, whose types those sources do not agree on.
    func lenient<T: Decodable>(_ names: String..., as type: T.Type = T.self) -> T? {
        for name in names {
            if let value = try? container.decodeIfPresent(T.self, forKey: Key(name)) { return value }
        }
        return nil
    }

    /// The nested object under `name`, when there is one.
    func nested(_ name: String) -> FlexibleContainer? {
        guard let nested = try? container.nestedContainer(keyedBy: Key.self, forKey: Key(name)) else { return nil }
        return FlexibleContainer(container: nested)
    }

    private init(container: KeyedDecodingContainer<Key>) { self.container = container }

    /// A user's uid, flat (`user_uid`, as the SDK reads it) or nested (`user.uid`, as one source writes it).
    func userUID() throws -> String {
        if let flat = try optional("user_uid", as: String.self) { return flat }
        if let user = nested("user") { return try user.required("uid", "user_uid") }
        return try required("user_uid")
    }

    /// A user's field, flat or under `user`.
    func userField(_ name: String) throws -> String? {
        if let flat = try optional(name, as: String.self) { return flat }
        return try nested("user")?.optional(name, as: String.self)
    }
}
