import Foundation

extension AvalaError {
    /// The error for a non-2xx response, classified as the SDK does.
    ///
    /// Error bodies come in several shapes: `{"detail": "text"}`, `{"detail": {"field": ["msg"]}}`,
    /// `{"field": ["msg"]}`, a list, and one source's `{"error": {"code", "message", "details"}}`. The
    /// message is `detail` only when it is a string; otherwise `HTTP <status>`.
    static func fromResponse(
        status: Int,
        retryAfterHeader: String?,
        body: [UInt8],
        request: String,
        redacting secrets: [String]
    ) -> AvalaError {
        let text = redact(String(decoding: body.prefix(4096), as: UTF8.self), secrets)
        let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body))
        var message = "HTTP \(status)"
        var details: [String] = []
        switch json {
        case .object(let object):
            if let detail = object["detail"] {
                if case .string(let string) = detail { message = string } else { details = flatten(detail, prefix: nil) }
            } else if case .object(let wrapped)? = object["error"] {
                if case .string(let string)? = wrapped["message"] { message = string }
                if let nested = wrapped["details"] { details = flatten(nested, prefix: nil) }
            } else {
                details = flatten(json!, prefix: nil)
            }
        case .array:
            details = flatten(json!, prefix: nil)
        default:
            break
        }
        message = redact(message, secrets)
        details = details.map { redact($0, secrets) }
        let preview = text.isEmpty ? nil : String(text.prefix(500))

        var error = AvalaError(
            code: .http,
            status: status,
            message: message,
            details: details,
            request: request,
            body: preview
        )
        switch status {
        case 300..<400:
            error.code = .redirect
            error.message = "HTTP \(status): redirects are not followed"
        case 400, 422:
            error.code = .validation
        case 401:
            error.code = .authentication
        case 403:
            error.code = .forbidden
        case 404:
            error.code = .notFound
        case 413:
            if case .object(let object)? = json, let limit = object["limit"]?.intValue, let used = object["used"]?.intValue {
                error.code = .quotaExceeded
                error.quota = Quota(limit: limit, used: used)
            }
        case 429:
            error.code = .rateLimited
            error.retryAfter = retryAfterHeader.flatMap(parseRetryAfter)
        case 500...:
            error.code = .server
        default:
            break
        }
        return error
    }

    /// The longest `Retry-After` kept, in seconds (a day): a larger value is read as this one. Nobody
    /// waits that long, and an unbounded number would overflow a `Duration` built from it.
    public static let maxRetryAfterSeconds: Double = 86_400

    /// `Retry-After` in seconds, at most ``maxRetryAfterSeconds``; an HTTP-date is read too, although
    /// Avala sends seconds.
    static func parseRetryAfter(_ value: String) -> Double? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds.isFinite, seconds >= 0 { return min(seconds, maxRetryAfterSeconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return min(max(0, date.timeIntervalSinceNow), maxRetryAfterSeconds)
    }

    static func redact(_ text: String, _ secrets: [String]) -> String {
        var result = text
        for secret in secrets {
            for form in forms(of: secret) where form.count >= 4 {
                result = result.replacingOccurrences(of: form, with: "<redacted>")
            }
        }
        return result
    }

    /// A secret as it may appear in text: as is, escaped the way Swift and JSON print a string (a newline
    /// becomes `\n`), and without the whitespace and control characters around it, which covers any
    /// other escaping of those. Longest first, so a shorter form never leaves part of a longer one.
    private static func forms(of secret: String) -> [String] {
        let escaped = String(String(reflecting: secret).dropFirst().dropLast())
        let core = secret.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(.controlCharacters))
        var forms: [String] = []
        for form in [escaped, secret, core] where !forms.contains(form) { forms.append(form) }
        return forms.sorted { $0.count > $1.count }
    }

    private static func flatten(_ value: JSONValue, prefix: String?) -> [String] {
        switch value {
        case .object(let object):
            return object.keys.sorted().flatMap { key in
                flatten(object[key]!, prefix: prefix.map { "\($0).\(key)" } ?? key)
            }
        case .array(let array):
            return array.flatMap { flatten($0, prefix: prefix) }
        case .string(let string):
            return [prefix.map { "\($0): \(string)" } ?? string]
        case .null:
            return []
        case .bool, .number, .integer:
            let rendered = (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? ""
            return [prefix.map { "\($0): \(rendered)" } ?? rendered]
        }
    }
}
