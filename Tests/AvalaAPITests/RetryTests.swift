import AvalaAPI
import AvalaSimulator
import Foundation
import TestSupport
import Testing

@Suite struct RetryTests {
    @Test func rateLimitedRequestWaitsForRetryAfterThenSucceeds() async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", method: "GET", status: 429, count: 1, retryAfter: 1))
            try await harness.withClient { client async throws in
                let started = ContinuousClock.now
                let export = try await client.export(uid: SimulatorSeed.UID.exportedExport)
                let waited = started.duration(to: .now)
                #expect(export.status == .exported)
                // The server asked for one second; the client must not come back sooner.
                #expect(waited >= .milliseconds(950))
            }
            let statuses = await harness.simulator.requests().filter { $0.path.hasPrefix("/api/v1/exports/") }.map(\.status)
            #expect(statuses == [429, 200])
        }
    }

    @Test func aRateLimitIsRetriedEvenForAPost() async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", method: "POST", status: 429, count: 1, retryAfter: 0))
            try await harness.withClient { client async throws in
                let export = try await client.createExport(.sdkProject(SimulatorSeed.UID.activeProject))
                #expect(export.status == .requested)
            }
            let posts = await harness.simulator.requests().filter { $0.method == "POST" }.map(\.status)
            #expect(posts == [429, 201])
        }
    }

    @Test func aRetryAfterLongerThanTheLimitGoesToTheCaller() async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", status: 429, count: 1, retryAfter: 600))
            try await harness.withClient({ $0.maxRetryAfter = .seconds(5) }) { client async throws in
                let error = try await #require(throws: AvalaError.self) {
                    try await client.export(uid: SimulatorSeed.UID.exportedExport)
                }
                #expect(error.code == .rateLimited)
                #expect(error.retryAfter == 600)
                #expect(error.status == 429)
            }
            #expect(await harness.simulator.requests().count == 1)
        }
    }

    @Test(arguments: [500, 502, 503])
    func serverErrorsAreRetriedThenSucceed(status: Int) async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/datasets/", status: status, count: 2))
            try await harness.withClient { client async throws in
                let dataset = try await client.dataset(uid: SimulatorSeed.UID.trainingDataset)
                #expect(dataset.slug == "training-v2")
            }
            #expect(await harness.simulator.requests().map(\.status) == [status, status, 200])
        }
    }

    @Test func retriesStopAtTheMaximum() async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/datasets/", status: 503, count: 100))
            try await harness.withClient({ $0.maxRetries = 2 }) { client async throws in
                let error = try await #require(throws: AvalaError.self) {
                    try await client.dataset(uid: SimulatorSeed.UID.trainingDataset)
                }
                #expect(error.code == .server)
                #expect(error.status == 503)
            }
            #expect(await harness.simulator.requests().count == 3)
        }
    }

    @Test(arguments: [(400, AvalaError.Code.validation), (404, .notFound), (403, .forbidden), (409, .http), (422, .validation)])
    func clientErrorsAreNeverRetried(status: Int, code: AvalaError.Code) async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/datasets/", status: status, count: 1))
            try await harness.withClient { client async throws in
                let error = try await #require(throws: AvalaError.self) {
                    try await client.dataset(uid: SimulatorSeed.UID.trainingDataset)
                }
                #expect(error.code == code)
                #expect(error.status == status)
            }
            #expect(await harness.simulator.requests().count == 1)
        }
    }

    @Test func anUnsafePostIsNotRetriedAfterAServerError() async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/organizations/", method: "POST", status: 502, count: 1))
            try await harness.withClient { client async throws in
                let error = try await #require(throws: AvalaError.self) {
                    try await client.createInvitation(organization: "acme-ai", email: "new@acme.ai", role: .member)
                }
                #expect(error.code == .server)
            }
            #expect(await harness.simulator.requests().filter { $0.method == "POST" }.count == 1)
            let pending = try await harness.simulator.allInvitations(organization: "acme-ai")
            #expect(!pending.contains { $0.invitedEmail == "new@acme.ai" })
        }
    }

    @Test func aPostMarkedSafeIsRetried() async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", method: "POST", status: 500, count: 1))
            try await harness.withClient { client async throws in
                let export = try await client.createExport(
                    .documented(name: "retry-safe", format: "coco", projects: [SimulatorSeed.UID.activeProject]),
                    retrySafe: true
                )
                #expect(export.format == "coco")
            }
            #expect(await harness.simulator.requests().filter { $0.method == "POST" }.map(\.status) == [500, 201])
        }
    }

    @Test func aDroppedConnectionIsRetriedForAGet() async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", drop: true).with(count: 1))
            try await harness.withClient { client async throws in
                let export = try await client.export(uid: SimulatorSeed.UID.failedExport)
                #expect(export.status == .failed)
                #expect(export.error == "Export worker ran out of memory")
            }
            let retry = harness.renderedLogs.split(separator: "\n").first { $0.contains("Retrying Avala request") }
            // The cause, not only the code "transport".
            #expect(retry?.contains("error.message=") == true, "\(harness.renderedLogs)")
            #expect(await harness.simulator.requests().count == 2)
        }
    }

    @Test func aDroppedConnectionFailsAnUnsafePostAsTransport() async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", method: "POST", drop: true).with(count: 1))
            try await harness.withClient { client async throws in
                let error = try await #require(throws: AvalaError.self) {
                    try await client.createExport(.sdkProject(SimulatorSeed.UID.activeProject))
                }
                #expect(error.code == .transport)
            }
        }
    }

    /// A `Retry-After` of 1e21 seconds, or longer than any integer, once overflowed the `Duration` built
    /// from it and crashed the process. It is read as at most a day and handed to the caller.
    @Test(arguments: ["1e21", "123456789012345678901234567890", "86401"])
    func aHugeRetryAfterIsBoundedAndHandedToTheCaller(_ header: String) async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", status: 429, count: 1, retryAfterHeader: header))
            try await harness.withClient { client async throws in
                let error = try await #require(throws: AvalaError.self) {
                    try await client.export(uid: SimulatorSeed.UID.exportedExport)
                }
                #expect(error.code == .rateLimited)
                #expect(error.retryAfter == AvalaError.maxRetryAfterSeconds)
            }
            #expect(await harness.simulator.requests().count == 1)
        }
    }

    @Test func aSlowAnswerTimesOutAndIsRetried() async throws {
        try await SimulatorHarness.with { harness in
            // The retry must answer within the timeout even on a busy machine: 300 ms once was not enough
            // while the whole suite ran, nor was 1 s beside a second suite and three busy loops. The slow
            // answer comes 3 s after the timeout at the earliest, so the first attempt still cannot succeed.
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", count: 1, latencyMs: 8_000))
            try await harness.withClient({ $0.timeout = .seconds(5) }) { client async throws in
                let export = try await client.export(uid: SimulatorSeed.UID.exportedExport)
                #expect(export.status == .exported)
            }
        }
    }

    /// A server that sends its head and then stalls the body: the timeout covers the body too, so the call
    /// fails as a transport error instead of waiting for the body, after the retries its policy allows.
    @Test func aBodyThatStallsAfterItsHeadTimesOutAndIsRetried() async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", stallBodyMs: 5_000))
            try await harness.withClient({
                $0.timeout = .seconds(1)
                $0.maxRetries = 1
            }) { client async throws in
                // Without a deadline on the body, the call would succeed once the body came, 5 s later.
                let error = try await #require(throws: AvalaError.self) {
                    try await client.export(uid: SimulatorSeed.UID.exportedExport)
                }
                #expect(error.code == .transport)
                // The limit as the config writes it, and the key that sets it.
                #expect("\(error)".contains("no complete answer from the API within 1s (api.timeout)"), "\(error)")
            }
            let statuses = await harness.simulator.requests().filter { $0.path.hasPrefix("/api/v1/exports/") }.map(\.status)
            #expect(statuses == [200, 200])
        }
    }

    /// When the server reports the budget spent (`X-RateLimit-Remaining: 0`), the client holds further
    /// requests until the reset instead of drawing a 429.
    @Test func holdsRequestsWhenTheServerBudgetIsSpent() async throws {
        var configuration = SimulatorHarness.testConfiguration()
        // Two requests per 3 s window (the window starts at its first request). Two requests in one
        // window spend it, so the next must wait for the reset instead of being refused. On a loaded
        // machine a slow request can fall into the next window, which spends nothing: requests go on
        // until one was held, and none of them may draw a 429.
        configuration.requestsPerMinute = 2
        configuration.rateWindow = .seconds(3)
        let held = "Avala rate budget spent; holding requests"
        try await SimulatorHarness.with(configuration) { harness in
            try await harness.withClient { client async throws in
                for _ in 0..<8 {
                    _ = try await client.dataset(uid: SimulatorSeed.UID.trainingDataset)
                    if harness.renderedLogs.contains(held) { break }
                }
                // The request after the hold was sent in the new window.
                _ = try await client.dataset(uid: SimulatorSeed.UID.trainingDataset)
            }
            let statuses = await harness.simulator.requests().map(\.status)
            #expect(statuses.count >= 3 && statuses.allSatisfy { $0 == 200 }, "\(statuses)")
            #expect(harness.renderedLogs.contains(held))
        }
    }
}

extension Fault {
    func with(count: Int) -> Fault {
        var copy = self
        copy.count = count
        return copy
    }
}
