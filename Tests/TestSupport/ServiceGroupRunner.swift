public import Logging
public import ServiceLifecycle

/// Runs one service in its own group while `body` runs, then shuts it down gracefully.
public enum ServiceGroupRunner {
    public static func whileRunning<T: Sendable>(
        _ service: some Service,
        logger: Logger,
        _ body: @Sendable () async throws -> T
    ) async throws -> T {
        try await ServiceGroup(configuration: .init(services: [service], logger: logger)).whileRunning(body)
    }
}
