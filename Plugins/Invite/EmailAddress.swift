import BotKit

/// Checks and normalizes an address before it is compared or invited: one `@`, a local part, a domain
/// with a dot, no spaces; lowercased, because the API and people disagree on case.
enum EmailAddress {
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    static func normalize(_ raw: String) -> Result<String, Problem> {
        let trimmed = raw.trimmingWhitespace.lowercased()
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !trimmed.contains(where: { $0 == " " || $0 == "," || $0 == ";" || $0 == "<" || $0 == ">" })
        else {
            return .failure(Problem(description: "'\(raw)' is not an email address"))
        }
        return .success(trimmed)
    }

    /// The part after the `@` of a normalized address.
    static func domain(of email: String) -> String {
        email.split(separator: "@").last.map(String.init) ?? ""
    }
}
