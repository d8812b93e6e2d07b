extension AvalaClient {
    /// Runs `operation` — the request and the read of its whole body — within `configuration.timeout`.
    ///
    /// The HTTP client's own deadline ends once the response head arrives: a server that sends its headers
    /// and then stalls the body would otherwise hold the call, and its in-flight permit, for ever.
    ///
    /// - Throws: ``RequestTimeout`` when the time is up; whatever `operation` throws otherwise.
    func withinTimeout<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let limit = configuration.timeout
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            // Whichever ends first decides; the other is cancelled (a cancelled body read closes the
            // connection) and awaited before the group returns.
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw RequestTimeout(limit: limit)
            }
            return value
        }
    }
}
