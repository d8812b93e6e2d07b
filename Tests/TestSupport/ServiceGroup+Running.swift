public import ServiceLifecycle

extension ServiceGroup {
    /// Runs the group while `body` runs, then shuts it down gracefully and waits for it, also when `body`
    /// throws; `body`'s error wins over a shutdown error.
    public func whileRunning<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await self.run()
                return nil
            }
            let result: Result<T, any Error>
            do {
                result = .success(try await body())
            } catch {
                result = .failure(error)
            }
            await triggerGracefulShutdown()
            while let _ = try await tasks.next() {}
            return try result.get()
        }
    }
}
