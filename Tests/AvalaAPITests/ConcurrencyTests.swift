import AvalaAPI
import AvalaSimulator
import Foundation
import TestSupport
import Testing

@Suite struct ConcurrencyTests {
    /// Latency at the server makes requests overlap; the server then counts how many were in flight. The
    /// latency leaves room for a busy machine (the whole suite runs in parallel): with 100 ms, one run in
    /// eight of the whole suite saw a peak other than the limit.
    @Test(arguments: [1, 2, 3])
    func theClientNeverHasMoreThanItsLimitInFlight(limit: Int) async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/datasets/", latencyMs: 300))
            try await harness.withClient({ $0.maxConcurrency = limit }) { client async throws in
                let uids = Array(repeating: SimulatorSeed.UID.trainingDataset, count: 8)
                let results = await client.batch(uids, maxConcurrency: 8) { try await client.dataset(uid: $0) }
                #expect(results.allSatisfy { (try? $0.get().slug) == "training-v2" })
            }
            let peak = await harness.simulator.maxConcurrentRequests()
            #expect(peak == limit, "at most \(peak) requests were in flight at once")
        }
    }

    @Test func aBatchKeepsToItsOwnWidthAndOrder() async throws {
        try await SimulatorHarness.with { harness in
            // Three rounds of one second: with 300 ms, a loaded machine (helpers building beside the
            // suite) started the third request of a round after the first had ended.
            await harness.simulator.injectFault(Fault(pathPrefix: "/datasets/", latencyMs: 1_000))
            try await harness.withClient({ $0.maxConcurrency = 16 }) { client async throws in
                let datasets = try await client.datasets().collect()
                _ = await harness.simulator.maxConcurrentRequests()
                let inputs = Array((datasets + datasets + datasets + datasets).prefix(8))
                let details = await client.datasetDetails(inputs, maxConcurrency: 3)
                #expect(details.map { try? $0.get().uid } == inputs.map(\.uid))
            }
            let peak = await harness.simulator.maxConcurrentRequests()
            #expect(peak == 3, "at most \(peak) requests were in flight at once")
        }
    }

    @Test func oneFailureInABatchDoesNotStopTheOthers() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client async throws in
                let uids = [SimulatorSeed.UID.trainingDataset, "missing", SimulatorSeed.UID.validationDataset]
                let results = await client.batch(uids) { try await client.dataset(uid: $0) }
                #expect((try? results[0].get().slug) == "training-v2")
                #expect((try? results[2].get().slug) == "validation-v1")
                guard case .failure(let error as AvalaError) = results[1] else {
                    Issue.record("expected a failure for the missing dataset")
                    return
                }
                #expect(error.code == .notFound)
            }
        }
    }

    /// The token bucket paces a burst beyond its size: 15 requests at 10/s with a burst of 5 need at
    /// least a second (the last 10 wait for tokens).
    @Test func theRateLimiterPacesRequestsBeyondTheBurst() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient({
                $0.requestsPerMinute = 600
                $0.burst = 5
            }) { client in
                let started = ContinuousClock.now
                for _ in 0..<15 { _ = try await client.dataset(uid: SimulatorSeed.UID.trainingDataset) }
                #expect(started.duration(to: .now) >= .milliseconds(900))
            }
        }
    }
}
