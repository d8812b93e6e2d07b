import BotKit
import Dispatch
import Foundation
import GRDB
import Synchronization
import Testing

@testable import BotEngine

/// Group commit: concurrent `ingest` calls share write transactions, and each caller still gets its own
/// results. No test sleeps: arrivals are observed through ``IngestBatcher/waitUntilQueued(_:)`` while
/// the writer is held.
@Suite(.timeLimit(.minutes(1))) struct IngestBatchingTests {
    // MARK: - The store

    /// 200 callers at once, the first one's write held up behind another write: the first commits alone,
    /// the other 199 in one more transaction.
    @Test func concurrentIngestsShareTransactions() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let before = store.committedWriteTransactions
            let results = try await store.holdingTheWriter { release in
                try await withThrowingTaskGroup(of: IngestResult.self) { group in
                    for index in 0..<200 {
                        group.addTask { try await store.ingest(makeStoreEvent("e-\(index)", keys: ["k-\(index)"])) }
                    }
                    await store.batcher.waitUntilQueued(199)
                    release()
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(Set(results) == Set((0..<200).map { IngestResult.new(eventID: "e-\($0)") }))
            #expect(store.committedWriteTransactions - before == 2)
            #expect(try await store.queueDepth() == 200)
            #expect(try await store.recentEvents(limit: 500, since: nil).count == 200)
        }
    }

    /// Without holding anything, concurrent callers all get through, and each event is stored once.
    @Test func concurrentIngestsAllCommit() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let before = store.committedWriteTransactions
            let results = try await withThrowingTaskGroup(of: [IngestResult].self) { group in
                for caller in 0..<50 {
                    group.addTask {
                        try await store.ingest((0..<4).map { makeStoreEvent("e-\(caller)-\($0)", keys: ["k-\(caller)-\($0)", "shared-\($0)"]) })
                    }
                }
                return try await group.reduce(into: []) { $0.append(contentsOf: $1) }
            }
            #expect(results.count == 200)
            #expect(results.count(where: \.isNew) == 4, "one event per shared key")
            #expect(try await store.queueDepth() == 4)
            #expect(store.committedWriteTransactions - before <= 50)
        }
    }

    /// Requests are written in the order they arrived: the earlier of two callers with the same key wins.
    /// A caller whose own request fails (an event id already stored) gets its error; the others, written in
    /// the same transaction, are not affected.
    @Test func callersInOneTransactionGetTheirOwnResults() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            _ = try await store.ingest(makeStoreEvent("taken"))
            let before = store.committedWriteTransactions

            let results = await store.holdingTheWriter { release in
                await withTaskGroup(of: (Int, Result<[IngestResult], any Error>).self) { group in
                    // Two openers: one leads the first transaction alone, the other will lead the second,
                    // which then carries the callers below in the order they were queued.
                    group.addTask { (-1, await result { try await store.ingest([makeStoreEvent("opener-1")]) }) }
                    group.addTask { (-2, await result { try await store.ingest([makeStoreEvent("opener-2")]) }) }
                    await store.batcher.waitUntilQueued(1)
                    let calls: [[Event]] = [
                        [makeStoreEvent("a-1", keys: ["k-1"]), makeStoreEvent("a-2", keys: ["k-2"])],
                        [makeStoreEvent("b-1", keys: ["k-2"]), makeStoreEvent("b-2", keys: ["k-3"])],
                        [makeStoreEvent("c-1", keys: ["k-4"]), makeStoreEvent("taken", keys: ["k-5"])],
                        [makeStoreEvent("d-1", keys: ["k-3", "k-4"]), makeStoreEvent("d-2", keys: ["k-5"])],
                        [makeStoreEvent("taken", keys: ["k-6"])],
                        [makeStoreEvent("f-1", keys: ["k-6"])],
                    ]
                    for (index, events) in calls.enumerated() {
                        let snapshot: JSON = .number(Double(index))
                        group.addTask { (index, await result { try await store.ingest(events, snapshots: ["call-\(index)": snapshot]) }) }
                        await store.batcher.waitUntilQueued(2 + index)
                    }
                    release()
                    return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
                }
            }

            #expect(try results[0]?.get() == [.new(eventID: "a-1"), .new(eventID: "a-2")])
            #expect(try results[1]?.get() == [.duplicate(existingID: "a-2", key: "k-2"), .new(eventID: "b-2")])
            guard case .failure(let failure) = try #require(results[2]) else {
                Issue.record("c's request should have failed")
                return
            }
            let error = try #require(failure as? SQLiteEventStoreError)
            #expect(error.code == .eventIDConflict && error.eventID == "taken")
            #expect(
                try results[3]?.get() == [.duplicate(existingID: "b-2", key: "k-3"), .new(eventID: "d-2")],
                "c's request was rolled back: its keys k-4 and k-5 are free"
            )
            #expect(try await store.event(id: "c-1") == nil)
            guard case .failure(let single) = try #require(results[4]) else {
                Issue.record("e's request should have failed")
                return
            }
            #expect((single as? SQLiteEventStoreError)?.code == .eventIDConflict)
            #expect(try results[5]?.get() == [.new(eventID: "f-1")], "e's key k-6 was not kept")
            for index in 0..<6 {
                let saved = try await store.snapshot("call-\(index)")
                #expect(saved == ([2, 4].contains(index) ? nil : .number(Double(index))), "only requests that were written save a snapshot")
            }
            #expect(store.committedWriteTransactions - before == 2)
        }
    }

    // MARK: - The batcher alone

    /// The first caller leads and writes alone; callers that arrive meanwhile are written together by the
    /// oldest of them.
    @Test func latecomersAreWrittenTogether() async throws {
        let flush = RecordingFlush()
        let batcher = IngestBatcher(maxEventsPerFlush: 100)
        let results = await withTaskGroup(of: (String, [IngestResult]).self) { group in
            group.addTask { ("first", (try? await batcher.submit(.events(["first"]), flush: { await flush($0) }).get()) ?? []) }
            await flush.waitUntilEntered(1)
            for index in 0..<10 {
                group.addTask {
                    ("late-\(index)", (try? await batcher.submit(.events(["late-\(index)"]), flush: { await flush($0) }).get()) ?? [])
                }
            }
            await batcher.waitUntilQueued(10)
            await flush.open()
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 11)
        #expect(results.allSatisfy { $0.value == [.new(eventID: $0.key)] }, "each caller gets its own results")
        #expect(await flush.batchSizes == [1, 10])
        #expect(await batcher.queuedCount == 0)
    }

    /// `maxEventsPerFlush` splits a queue into several transactions, each led by its oldest caller, and a
    /// request larger than the cap is written whole, alone.
    @Test func theCapSplitsTheQueue() async throws {
        let flush = RecordingFlush()
        let batcher = IngestBatcher(maxEventsPerFlush: 10)
        let sizes = [4, 4, 4, 12, 1, 4]
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = await batcher.submit(.events(["first"]), flush: { await flush($0) }) }
            await flush.waitUntilEntered(1)
            for (index, size) in sizes.enumerated() {
                let ids = (0..<size).map { "c\(index)-\($0)" }
                group.addTask { _ = await batcher.submit(.events(ids), flush: { await flush($0) }) }
                await batcher.waitUntilQueued(index + 1)
            }
            await flush.open()
        }
        #expect(await flush.batchSizes == [1, 2, 1, 1, 2])
        #expect(await flush.batchEventCounts == [1, 8, 4, 12, 5])
    }

    /// A failed write fails the callers of that batch only.
    @Test func aFailedFlushFailsOnlyItsBatch() async throws {
        let flush = RecordingFlush(failingBatch: 0)
        let batcher = IngestBatcher(maxEventsPerFlush: 100)
        let results = await withTaskGroup(of: (String, Bool).self) { group in
            group.addTask { ("first", (try? await batcher.submit(.events(["first"]), flush: { await flush($0) }).get()) != nil) }
            await flush.waitUntilEntered(1)
            group.addTask { ("late", (try? await batcher.submit(.events(["late"]), flush: { await flush($0) }).get()) != nil) }
            await batcher.waitUntilQueued(1)
            await flush.open()
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results == ["first": false, "late": true])
    }
}

extension SQLiteEventStore {
    /// Runs `body` while the writer connection is busy with another write, which ends when `body` calls
    /// `release` (or returns). Writes the store starts meanwhile queue up behind it, in order.
    func holdingTheWriter<T>(_ body: (_ release: @Sendable () -> Void) async throws -> T) async rethrows -> T {
        let gate = DispatchSemaphore(value: 0)
        // A blocking wait on GRDB's writer queue, never on a task's thread.
        pool.asyncWriteWithoutTransaction { _ in gate.wait() }
        let released = Mutex(false)
        let release: @Sendable () -> Void = {
            let first = released.withLock { released in
                defer { released = true }
                return !released
            }
            if first { gate.signal() }
        }
        defer { release() }
        return try await body(release)
    }
}

extension IngestBatcher.Request {
    /// Keyless events with these ids, no snapshots.
    static func events(_ ids: [String]) -> Self {
        Self(events: ids.map { try! PreparedEvent(makeStoreEvent($0)) }, snapshots: [])
    }
}

/// The outcome of `body`, as a value.
private func result<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

/// A flush that records its batches and holds the first one until ``open()``.
private actor RecordingFlush {
    struct Failed: Error {}

    private(set) var batchSizes: [Int] = []
    private(set) var batchEventCounts: [Int] = []
    private var isOpen = false
    private var held: [CheckedContinuation<Void, Never>] = []
    private var enteredWatchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    private let failingBatch: Int?

    init(failingBatch: Int? = nil) {
        self.failingBatch = failingBatch
    }

    func callAsFunction(_ batch: [IngestBatcher.Request]) async -> [IngestBatcher.Response] {
        let number = batchSizes.count
        batchSizes.append(batch.count)
        batchEventCounts.append(batch.reduce(0) { $0 + $1.events.count })
        enteredWatchers.removeAll { watcher in
            guard watcher.count <= batchSizes.count else { return false }
            watcher.continuation.resume()
            return true
        }
        if !isOpen {
            await withCheckedContinuation { held.append($0) }
        }
        if number == failingBatch {
            return batch.map { _ in .failure(Failed()) }
        }
        return batch.map { request in .success(request.events.map { .new(eventID: $0.id) }) }
    }

    /// Returns once `count` batches have begun.
    func waitUntilEntered(_ count: Int) async {
        if batchSizes.count >= count { return }
        await withCheckedContinuation { enteredWatchers.append((count, $0)) }
    }

    func open() {
        isOpen = true
        for continuation in held { continuation.resume() }
        held.removeAll()
    }
}
