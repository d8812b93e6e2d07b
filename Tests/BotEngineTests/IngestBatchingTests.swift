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

    /// 200 callers at once while another write holds the writer: when it is free, one transaction writes
    /// them all.
    @Test func concurrentIngestsShareTransactions() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            let before = store.committedWriteTransactions
            let results = try await store.holdingTheWriter { release in
                try await withThrowingTaskGroup(of: IngestResult.self) { group in
                    for index in 0..<200 {
                        group.addTask { try await store.ingest(makeStoreEvent("e-\(index)", keys: ["k-\(index)"])) }
                    }
                    await store.batcher.waitUntilQueued(200)
                    release()
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(Set(results) == Set((0..<200).map { IngestResult.new(eventID: "e-\($0)") }))
            #expect(store.committedWriteTransactions - before == 1)
            #expect(try await store.queueDepth() == 200)
            #expect(try await store.recentEvents(limit: 500, since: nil).count == 200)
        }
    }

    /// A stuck writer (a stalled disk) does not gather every caller: past `maxQueuedIngests` waiting, an
    /// ingest is refused at once with `.busy`; the queued ones are written once the writer is free.
    @Test func aFullQueueRefusesInsteadOfWaiting() async throws {
        try await StoreFile.with { file in
            let store = try await file.open { $0.maxQueuedIngests = 3 }
            let results = try await store.holdingTheWriter { release in
                try await withThrowingTaskGroup(of: IngestResult.self) { group in
                    for index in 0..<3 {
                        group.addTask { try await store.ingest(makeStoreEvent("e-\(index)", keys: ["k-\(index)"])) }
                    }
                    await store.batcher.waitUntilQueued(3)
                    let refused = await #expect(throws: SQLiteEventStoreError.self) {
                        try await store.ingest(makeStoreEvent("e-3", keys: ["k-3"]))
                    }
                    #expect(refused?.code == .busy)
                    release()
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(Set(results) == Set((0..<3).map { IngestResult.new(eventID: "e-\($0)") }))
            // Room again: the refused one goes through when tried again.
            #expect(try await store.ingest(makeStoreEvent("e-3", keys: ["k-3"])) == .new(eventID: "e-3"))
            #expect(try await store.queueDepth() == 4)
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
                    // Queued in this order while the writer is held, then written in one transaction.
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
                        await store.batcher.waitUntilQueued(1 + index)
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
            #expect(store.committedWriteTransactions - before == 1)
        }
    }

    /// A steady stream of ingests does not keep other writers off the writer: a write queued behind a
    /// backlog of webhooks gets its turn after one drain turn, not after the whole backlog.
    @Test func ingestDrainsLetOtherWritersIn() async throws {
        try await StoreFile.with { file in
            let store = try await file.open { $0.maxEventsPerTransaction = 1 }
            let storedBeforeOtherWrite = try await store.holdingTheWriter { release in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<20 {
                        group.addTask { _ = try await store.ingest(makeStoreEvent("e-\(index)")) }
                    }
                    await store.batcher.waitUntilQueued(20)
                    // The first of the 20 scheduled the drain; this write queues behind it.
                    let seen = Mutex<Int?>(nil)
                    let counted = WakeSignal()
                    store.pool.asyncWriteWithoutTransaction { db in
                        seen.withLock { $0 = try? Int.fetchOne(db, sql: "SELECT count(*) FROM events") }
                        counted.wake()
                    }
                    release()
                    try await group.waitForAll()
                    await counted.wait(timeout: .seconds(30))
                    return seen.withLock { $0 }
                }
            }
            #expect(storedBeforeOtherWrite == SQLiteEventStore.batchesPerDrainTurn, "one batch of one event per transaction")
            #expect(try await store.queueDepth() == 20)
        }
    }

    // MARK: - The batcher alone

    /// The first caller's batch is written alone; callers that arrive meanwhile are written together, in
    /// the next batch of the same drain.
    @Test func latecomersAreWrittenTogether() async throws {
        let writer = RecordingWriter()
        let batcher = IngestBatcher(maxEventsPerFlush: 100)
        let results = await withTaskGroup(of: (String, [IngestResult]).self) { group in
            group.addTask { ("first", (try? await writer.submit(.events(["first"]), to: batcher).get()) ?? []) }
            await writer.waitUntilEntered(1)
            for index in 0..<10 {
                group.addTask { ("late-\(index)", (try? await writer.submit(.events(["late-\(index)"]), to: batcher).get()) ?? []) }
            }
            await batcher.waitUntilQueued(10)
            writer.open()
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 11)
        #expect(results.allSatisfy { $0.value == [.new(eventID: $0.key)] }, "each caller gets its own results")
        #expect(writer.batchSizes == [1, 10])
        #expect(writer.drains == 1, "one drain wrote both batches")
        #expect(batcher.queuedCount == 0)
    }

    /// `maxEventsPerFlush` splits a queue into several transactions, oldest first, and a request larger
    /// than the cap is written whole, alone.
    @Test func theCapSplitsTheQueue() async throws {
        let writer = RecordingWriter()
        let batcher = IngestBatcher(maxEventsPerFlush: 10)
        let sizes = [4, 4, 4, 12, 1, 4]
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = await writer.submit(.events(["first"]), to: batcher) }
            await writer.waitUntilEntered(1)
            for (index, size) in sizes.enumerated() {
                let ids = (0..<size).map { "c\(index)-\($0)" }
                group.addTask { _ = await writer.submit(.events(ids), to: batcher) }
                await batcher.waitUntilQueued(index + 1)
            }
            writer.open()
        }
        #expect(writer.batchSizes == [1, 2, 1, 1, 2])
        #expect(writer.batchEventCounts == [1, 8, 4, 12, 5])
    }

    /// A failed write fails the callers of that batch only.
    @Test func aFailedFlushFailsOnlyItsBatch() async throws {
        let writer = RecordingWriter(failingBatch: 0)
        let batcher = IngestBatcher(maxEventsPerFlush: 100)
        let results = await withTaskGroup(of: (String, Bool).self) { group in
            group.addTask { ("first", (try? await writer.submit(.events(["first"]), to: batcher).get()) != nil) }
            await writer.waitUntilEntered(1)
            group.addTask { ("late", (try? await writer.submit(.events(["late"]), to: batcher).get()) != nil) }
            await batcher.waitUntilQueued(1)
            writer.open()
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results == ["first": false, "late": true])
    }

    /// Once a drain found the queue empty, the next caller starts a new one.
    @Test func anEmptyQueueEndsTheDrain() async throws {
        let writer = RecordingWriter()
        writer.open()
        let batcher = IngestBatcher(maxEventsPerFlush: 100)
        #expect(try await writer.submit(.events(["one"]), to: batcher).get() == [.new(eventID: "one")])
        #expect(try await writer.submit(.events(["two"]), to: batcher).get() == [.new(eventID: "two")])
        #expect(writer.drains == 2)
        #expect(writer.batchSizes == [1, 1])
    }

    /// An error SQLite raises for one request (here a trigger in the store's file refuses one event id)
    /// rolls its batch back; the others in that batch are written again on their own and commit, and only
    /// that request's caller gets the error.
    @Test func aDatabaseErrorInOneRequestFailsOnlyThatRequest() async throws {
        try await StoreFile.with { file in
            let store = try await file.open()
            try await store.pool.write { db in
                try db.execute(
                    sql: """
                        CREATE TRIGGER refuse_poison BEFORE INSERT ON events WHEN NEW.id = 'poison'
                        BEGIN SELECT RAISE(ABORT, 'poison refused'); END
                        """
                )
            }
            let before = store.committedWriteTransactions
            let calls: [[Event]] = [
                [makeStoreEvent("a-1", keys: ["k-1"])],
                [makeStoreEvent("poison", keys: ["k-2"])],
                [makeStoreEvent("c-1", keys: ["k-2"]), makeStoreEvent("c-2", keys: ["k-3"])],
                [makeStoreEvent("d-1", keys: ["k-4"])],
            ]
            let results = await store.holdingTheWriter { release in
                await withTaskGroup(of: (Int, Result<[IngestResult], any Error>).self) { group in
                    for (index, events) in calls.enumerated() {
                        group.addTask { (index, await result { try await store.ingest(events) }) }
                        await store.batcher.waitUntilQueued(1 + index)
                    }
                    release()
                    return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
                }
            }

            #expect(try results[0]?.get() == [.new(eventID: "a-1")])
            guard case .failure(let failure) = try #require(results[1]) else {
                Issue.record("the poisoned request should have failed")
                return
            }
            #expect(failure is DatabaseError)
            #expect(try results[2]?.get() == [.new(eventID: "c-1"), .new(eventID: "c-2")], "the refused request kept no key")
            #expect(try results[3]?.get() == [.new(eventID: "d-1")])
            #expect(try await store.event(id: "poison") == nil)
            #expect(try await store.queueDepth() == 4)
            #expect(store.committedWriteTransactions - before == 3, "the batch failed whole, then each request alone")
        }
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

/// A stand-in for the store's writer: drains run on one serial queue, like GRDB's writer, record their
/// batches, and the first batch is held until ``open()``.
private final class RecordingWriter: Sendable {
    struct Failed: Error {}

    private struct State {
        var batchSizes: [Int] = []
        var batchEventCounts: [Int] = []
        var drains = 0
        var enteredWatchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let queue = DispatchQueue(label: "recording-writer")
    private let gate = DispatchSemaphore(value: 0)
    private let state = Mutex(State())
    private let failingBatch: Int?

    init(failingBatch: Int? = nil) {
        self.failingBatch = failingBatch
    }

    var batchSizes: [Int] { state.withLock { $0.batchSizes } }
    var batchEventCounts: [Int] { state.withLock { $0.batchEventCounts } }
    var drains: Int { state.withLock { $0.drains } }

    func submit(_ request: IngestBatcher.Request, to batcher: IngestBatcher) async -> IngestBatcher.Response {
        await batcher.submit(request) { self.queue.async { self.drain(batcher) } }
    }

    /// What the store's drain does, with a recording flush.
    private func drain(_ batcher: IngestBatcher) {
        state.withLock { $0.drains += 1 }
        while let batch = batcher.nextBatch() {
            let requests = batch.requests
            let (number, watchers) = state.withLock { state in
                state.batchSizes.append(requests.count)
                state.batchEventCounts.append(requests.reduce(0) { $0 + $1.events.count })
                let count = state.batchSizes.count
                var woken: [CheckedContinuation<Void, Never>] = []
                state.enteredWatchers.removeAll { watcher in
                    guard watcher.count <= count else { return false }
                    woken.append(watcher.continuation)
                    return true
                }
                return (count - 1, woken)
            }
            for watcher in watchers { watcher.resume() }
            if number == 0 { gate.wait() }
            if number == failingBatch {
                batcher.answer(batch, with: requests.map { _ in .failure(Failed()) })
            } else {
                batcher.answer(batch, with: requests.map { request in .success(request.events.map { .new(eventID: $0.id) }) })
            }
        }
    }

    /// Returns once `count` batches have begun.
    func waitUntilEntered(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.batchSizes.count >= count { return true }
                state.enteredWatchers.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Lets the first batch through (a blocking wait on the writer's own queue, never on a task's thread).
    func open() {
        gate.signal()
    }
}
