import AvalaAPI
import AvalaSimulator
import Foundation
import Synchronization
import TestSupport
import Testing

/// `AvalaClient.onRequest`: how a caller (a poller's metric) counts the requests it made.
@Suite struct RequestHookTests {
    final class Count: Sendable {
        let value = Mutex(0)
        func add() { value.withLock { $0 += 1 } }
    }

    /// Each HTTP request counts once, retries included; outside the task-local nothing is counted.
    @Test func everyRequestSentIsReported() async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/datasets/", status: 503, count: 2))
            let sent = Count()
            try await harness.withClient { client async throws in
                let count: @Sendable () -> Void = { sent.add() }
                try await AvalaClient.$onRequest.withValue(count) {
                    _ = try await client.dataset(uid: SimulatorSeed.UID.trainingDataset)
                }
                #expect(sent.value.withLock { $0 } == 3, "two 503s and the answer")
                _ = try await client.dataset(uid: SimulatorSeed.UID.trainingDataset)
                #expect(sent.value.withLock { $0 } == 3)
            }
        }
    }
}
