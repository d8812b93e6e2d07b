import BotKit

/// Keys whose names say they hold a secret. A check that refuses such a key's value says what kind of
/// value it found, never the value: a secret written out under the wrong key shape (`secrets: whsec_…`
/// for a list) must not be printed by the message that refuses it.
extension ConfigNode {
    /// Words that name a secret on their own (`token`, `webhook_secret`, `dbPassword`).
    private static let secretWords: Set<String> = [
        "secret", "secrets", "token", "tokens", "password", "passwords", "passwd", "passphrase", "credential", "credentials",
        "apikey", "authorization",
    ]
    /// Words that name a secret after `api`, `private`, `access` or `signing` (`api_key`, `private-key`).
    private static let keyWords: Set<String> = ["key", "keys"]
    private static let keyQualifiers: Set<String> = ["api", "private", "access", "signing"]

    /// Whether `key` (a key's name; for a key path, the last name in it: `verify.secrets[0]` is `secrets`)
    /// names a secret. Its words are split at `_`, `-`, `.` and lower-to-upper case changes.
    public static func isSecretNamed(_ key: String) -> Bool {
        let name = key.split(separator: ".").last.map { String($0.prefix { $0 != "[" }) } ?? key
        var words: [String] = []
        var word = ""
        var previous: Character?
        for character in name {
            let boundary = !(character.isLetter || character.isNumber) || (character.isUppercase && previous?.isLowercase == true)
            if boundary, !word.isEmpty {
                words.append(word)
                word = ""
            }
            if character.isLetter || character.isNumber { word += character.lowercased() }
            previous = character
        }
        if !word.isEmpty { words.append(word) }
        for (index, word) in words.enumerated() {
            if secretWords.contains(word) { return true }
            if keyWords.contains(word), index > 0, keyQualifiers.contains(words[index - 1]) { return true }
        }
        return false
    }

    /// For messages about a secret-named key: the kind of value, never the value (`text`, `a number`,
    /// `true or false`, `a list`, `a mapping`, `nothing`; for a reference, `the value of ${NAME}`).
    public var kindDescriptionWithoutValue: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(_, let style, _):
            if case .reference(let reference, _) = style { return "the value of \(reference)" }
            switch json {
            case .null: return "nothing"
            case .bool: return "true or false"
            case .number, .integer: return "a number"
            default: return "text"
            }
        }
    }
}
