import Synchronization

/// Lets a refusal that comes in floods reach the log once a minute per kind: a client outside
/// `allow_cidrs` (403) or past its `per_ip` bucket (429), plain HTTP sent to the TLS port, a TLS handshake
/// that fails for one reason.
///
/// Logged at debug only, these were invisible at the default level: when Avala's addresses change, or a
/// retry storm after an outage hits the bucket, every delivery fails and the log said nothing. Logged
/// every time, a flood from one client would become a flood of lines. The key is the path's source and
/// the status, so the number of keys is bounded by the configuration (and by BoringSSL's reason codes).
final class RefusalLogGate: Sendable {
    static let interval: Duration = .seconds(60)

    private let last = Mutex<[String: ContinuousClock.Instant]>([:])

    /// Whether this refusal of `key` is the first in `interval`; the answer is yes at most once per
    /// interval and key.
    func admits(_ key: String, now: ContinuousClock.Instant = .now) -> Bool {
        last.withLock { last in
            if let previous = last[key], previous.duration(to: now) < Self.interval { return false }
            last[key] = now
            return true
        }
    }
}
