/// A request that did not complete, its body included, within the client's timeout.
struct RequestTimeout: Error, CustomStringConvertible {
    let limit: Duration

    /// The limit as the config writes it (`30s`, `1500ms`), with the key that sets it: `30.0 s` read like
    /// nothing a user wrote.
    var description: String {
        let (seconds, attoseconds) = limit.components
        let written = attoseconds == 0 ? "\(seconds)s" : "\(seconds * 1_000 + attoseconds / 1_000_000_000_000_000)ms"
        return "no complete answer from the API within \(written) (api.timeout)"
    }
}
