import AvalaAPI
import AvalaSimulator
import Foundation
import TestSupport
import Testing

/// What `/readyz` calls "API reached recently", from real requests to the simulator.
@Suite struct APIReachabilityTests {
    @Test func answersReachTheAPIAndServerErrorsOrRefusalsDoNot() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client async throws in
                #expect(client.reachability.lastReached == nil)
                #expect(client.reachability.problem(grace: 0) == nil, "no request yet: nothing to report")

                _ = try await client.dataset(uid: SimulatorSeed.UID.trainingDataset)
                let reached = try #require(client.reachability.lastReached)
                #expect(client.reachability.problem(grace: 0) == nil)

                // A 404 is an answer the API meant: it was reached.
                await #expect(throws: AvalaError.self) { _ = try await client.dataset(uid: "no-such-dataset") }
                #expect(client.reachability.problem(grace: 0) == nil)
                #expect(try #require(client.reachability.lastReached) >= reached)

                // 5xx (after the client's own retries) and 401 are not.
                for status in [503, 401] {
                    await harness.simulator.injectFault(Fault(pathPrefix: "/datasets/", status: status))
                    await #expect(throws: AvalaError.self) { _ = try await client.dataset(uid: SimulatorSeed.UID.trainingDataset) }
                    let problem = try #require(client.reachability.problem(grace: 0))
                    #expect(problem.contains("answered \(status)"), "\(problem)")
                    // What /readyz says: a refused key is not an outage that waiting would end.
                    #expect(client.reachability.verdict(grace: 0) == (status == 401 ? "api refuses the key" : "api unreachable"))
                    #expect(client.reachability.verdict(grace: 3_600) == nil)
                    // Within the grace it is not reported yet.
                    #expect(client.reachability.problem(grace: 3_600) == nil)
                    #expect(!problem.contains(client.configuration.apiKey.revealed))

                    await harness.simulator.clearFaults()
                    _ = try await client.dataset(uid: SimulatorSeed.UID.trainingDataset)
                    #expect(client.reachability.problem(grace: 0) == nil, "reached again")
                    #expect(client.reachability.verdict(grace: 0) == nil)
                }
            }
        }
    }

    @Test func aConnectionThatFailsDoesNotReachIt() async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/datasets/", drop: true))
            try await harness.withClient { client async throws in
                await #expect(throws: AvalaError.self) { _ = try await client.dataset(uid: SimulatorSeed.UID.trainingDataset) }
                #expect(client.reachability.lastReached == nil)
                #expect(client.reachability.problem(grace: 0)?.contains("Avala API not reached since") == true)
                #expect(client.reachability.verdict(grace: 0) == "api unreachable")
            }
        }
    }
}
