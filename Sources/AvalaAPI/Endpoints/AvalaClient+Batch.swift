extension AvalaClient {
    /// Runs `body` for every item with at most `maxConcurrency` at once; results come back in input order.
    ///
    /// One failure does not stop the others: each item gets its own `Result`. Requests still share the
    /// client's rate budget and in-flight bound, so a large batch paces itself instead of drawing 429s.
    ///
    /// ```swift
    /// let details = await client.batch(datasets, maxConcurrency: 5) { ds in
    ///     try await client.dataset(owner: ds.ownerName ?? "", slug: ds.slug)
    /// }
    /// ```
    public func batch<Input: Sendable, Output: Sendable>(
        _ items: [Input],
        maxConcurrency: Int = 4,
        _ body: @escaping @Sendable (Input) async throws -> Output
    ) async -> [Result<Output, any Error>] {
        let width = max(1, maxConcurrency)
        var results = [Result<Output, any Error>?](repeating: nil, count: items.count)
        await withTaskGroup(of: (Int, Result<Output, any Error>).self) { group in
            var nextIndex = 0
            func addNext() {
                guard nextIndex < items.count else { return }
                let index = nextIndex
                let item = items[index]
                nextIndex += 1
                group.addTask {
                    do { return (index, .success(try await body(item))) } catch { return (index, .failure(error)) }
                }
            }
            for _ in 0..<min(width, items.count) { addNext() }
            while let (index, result) = await group.next() {
                results[index] = result
                addNext()
            }
        }
        return results.map { $0! }
    }

    /// Full details of many datasets (the "process many datasets" job): fetched by owner and slug where
    /// the listing gave an owner, else by uid; at most `maxConcurrency` at once.
    public func datasetDetails(_ datasets: [Dataset], maxConcurrency: Int = 4) async -> [Result<Dataset, any Error>] {
        await batch(datasets, maxConcurrency: maxConcurrency) { dataset in
            if let owner = dataset.ownerName {
                return try await self.dataset(owner: owner, slug: dataset.slug)
            }
            return try await self.dataset(uid: dataset.uid)
        }
    }
}
