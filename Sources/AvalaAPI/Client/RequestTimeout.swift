/// A request that did not complete, its body included, within the client's timeout.
struct RequestTimeout: Error, CustomStringConvertible {
    let limit: Duration

    var description: String { "no complete response within \(limit.seconds) s (the request timeout)" }
}
