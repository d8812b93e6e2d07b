import AvalaAPI
import AvalaSimulator
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

/// The API key must never leave for another host or show up in an error or a log line.
@Suite struct RequestSafetyTests {
    @Test func aRedirectIsNotFollowed() async throws {
        let elsewhere = RecordingServer()
        try await elsewhere.serve { otherOrigin in
            try await SimulatorHarness.with { harness in
                await harness.simulator.injectFault(
                    Fault(pathPrefix: "/datasets/", status: 302, count: 1, location: otherOrigin + "/steal/")
                )
                try await harness.withClient { client async throws in
                    let error = try await #require(throws: AvalaError.self) {
                        try await client.dataset(uid: SimulatorSeed.UID.trainingDataset)
                    }
                    #expect(error.code == .redirect)
                    #expect(error.status == 302)
                }
            }
        }
        #expect(elsewhere.received.isEmpty)
    }

    @Test func aPathWithoutItsSlashIsARedirectTheClientNeverMakes() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client async throws in
                _ = try await client.dataset(uid: SimulatorSeed.UID.trainingDataset)
                _ = try await client.datasets().collect()
            }
            let paths = await harness.simulator.requests().map(\.path)
            #expect(paths.allSatisfy { $0.hasSuffix("/") })
            #expect(await harness.simulator.requests().allSatisfy { $0.status == 200 })
        }
    }

    @Test func pathSegmentsArePercentEncoded() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client async throws in
                let error = try await #require(throws: AvalaError.self) {
                    try await client.organization(slug: "acme-ai/members")
                }
                #expect(error.code == .notFound)
                let refused = try #require(throws: AvalaError.self) {
                    _ = try client.datasetItems(owner: "..", slug: "admin")
                }
                #expect(refused.code == .invalidRequest)
            }
            let paths = await harness.simulator.requests().map(\.path)
            #expect(paths == ["/api/v1/organizations/acme-ai%2Fmembers/"])
        }
    }

    @Test func theKeyIsNeverInAnErrorOrALogLine() async throws {
        try await SimulatorHarness.with { harness in
            let key = harness.apiKey
            var errors: [AvalaError] = []
            try await harness.withClient({ $0.maxRetries = 1 }) { client async throws in
                await harness.simulator.injectFault(Fault(pathPrefix: "/datasets/", status: 500, count: 2))
                await harness.simulator.injectFault(Fault(pathPrefix: "/tasks/", status: 429, count: 2, retryAfter: 0))
                await harness.simulator.injectFault(Fault(pathPrefix: "/webhooks/", status: 301, count: 1))
                await harness.simulator.injectFault(Fault(pathPrefix: "/projects/", drop: true).with(count: 2))
                let attempts: [@Sendable () async throws -> Void] = [
                    { _ = try await client.dataset(uid: "x") },
                    { _ = try await client.task(uid: "x") },
                    { _ = try await client.webhook(uid: "x") },
                    { _ = try await client.projectMetrics(uid: "x") },
                    { _ = try await client.export(uid: "missing") },
                    { _ = try await client.createInvitation(organization: "acme-ai", email: "not-an-email") },
                ]
                for attempt in attempts {
                    do {
                        try await attempt()
                        Issue.record("expected an error")
                    } catch let error as AvalaError {
                        errors.append(error)
                    }
                }
            }
            #expect(errors.map(\.code) == [.server, .rateLimited, .redirect, .transport, .notFound, .validation])
            for error in errors {
                #expect(!"\(error)".contains(key))
                #expect(!String(reflecting: error).contains(key))
                #expect(!(error.body ?? "").contains(key))
            }
            #expect(!harness.renderedLogs.isEmpty)
            #expect(!harness.renderedLogs.contains(key))
        }
    }

    /// A key read from a secret file may end in a newline. It is refused before any request is built, and
    /// the key shows nowhere, neither as is nor escaped as the HTTP layer would print it.
    @Test(arguments: ["\n", "\r\n", "\t", " "])
    func aKeyThatIsNotAHeaderValueIsRefusedWithoutShowingIt(_ suffix: String) async throws {
        try await SimulatorHarness.with { harness in
            let key = harness.apiKey
            try await harness.withClient({ $0.apiKey = SecretString(key + suffix) }) { client async throws in
                let error = try await #require(throws: AvalaError.self) { try await client.datasets().collect() }
                #expect(error.code == .invalidConfiguration)
                #expect(!"\(error)".contains(key))
                #expect(!String(reflecting: error).contains(key))
                #expect(!(client.reachability.problem(grace: 0) ?? "").contains(key))
            }
            #expect(!harness.renderedLogs.contains(key))
            #expect(await harness.simulator.requests().isEmpty)
        }
        let environment = ["AVALA_API_KEY": "avk_from_a_secret_file" + suffix]
        let refused = try #require(throws: AvalaError.self) { try AvalaClientConfiguration.fromEnvironment(environment) }
        #expect(refused.code == .invalidConfiguration)
        #expect(!"\(refused)".contains("avk_from_a_secret_file"))
    }

    @Test func aWrongKeyIsAnAuthenticationErrorWithoutTheKey() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient({ $0.apiKey = "avk_wrong_key_987654321" }) { client async throws in
                let error = try await #require(throws: AvalaError.self) { try await client.datasets().collect() }
                #expect(error.code == .authentication)
                #expect(error.message == "Invalid API key.")
                #expect(!"\(error)".contains("avk_wrong_key_987654321"))
                #expect(!"\(client.configuration)".contains("avk_wrong_key_987654321"))
            }
        }
    }

    @Test func aScopedKeyIsForbiddenOutsideItsScopes() async throws {
        var configuration = SimulatorHarness.testConfiguration()
        configuration.scopedKeys = ["avk_scoped_datasets_only": ["datasets.read"]]
        try await SimulatorHarness.with(configuration) { harness in
            try await harness.withClient({ $0.apiKey = "avk_scoped_datasets_only" }) { client async throws in
                #expect(try await client.datasets().collect().count == 2)
                let error = try await #require(throws: AvalaError.self) {
                    try await client.members(organization: "acme-ai").collect()
                }
                #expect(error.code == .forbidden)
            }
        }
    }

    static func client(_ baseURL: String, maxRetries: Int) throws -> AvalaClient {
        AvalaClient(
            configuration: AvalaClientConfiguration(
                baseURL: try BaseURL(baseURL, allowInsecureHTTP: true),
                apiKey: "avk_closed_port_key",
                maxRetries: maxRetries,
                backoffBase: .milliseconds(1),
                backoffMax: .milliseconds(2)
            ),
            logger: .init(label: "test")
        )
    }

    final class Count: Sendable {
        let value = Mutex(0)
        func add() { value.withLock { $0 += 1 } }
    }

    /// A refused connection is said as such, at once (not after a connect timeout per attempt), and is
    /// retried whatever the method: a POST that never left cannot have created anything.
    @Test(arguments: [false, true])
    func aClosedPortIsATransportErrorRetriedForAnyMethod(post: Bool) async throws {
        let client = try Self.client("http://127.0.0.1:9/api/v1", maxRetries: 2)
        let sent = Count()
        let count: @Sendable () -> Void = { sent.add() }
        let error = try await #require(throws: AvalaError.self) {
            try await AvalaClient.$onRequest.withValue(count) {
                if post {
                    _ = try await client.createExport(.sdkProject(SimulatorSeed.UID.activeProject))
                } else {
                    _ = try await client.export(uid: "x")
                }
            }
        }
        try await client.shutdown()
        #expect(error.code == .transport)
        #expect(error.status == nil)
        #expect(!"\(error)".contains("avk_closed_port_key"))
        // Said in words, not as NIO's "connection reset (error set): Connection refused (errno: 111)".
        #expect(error.message == "connection refused (nothing listens at the API's address)", "\(error)")
        #expect(sent.value.withLock { $0 } == 3, "the first try and two retries")
    }

    /// A host name goes through NIO's connection racing, whose error wraps the cause: it is unwrapped.
    @Test(arguments: [
        ("http://localhost:9/api/v1", "connection refused (nothing listens at the API's address)"),
        ("https://avala-bot-test.invalid/api/v1", "the API's host name avala-bot-test.invalid does not resolve"),
    ])
    func aHostNameFailureNamesItsCause(url: String, message: String) async throws {
        let client = try Self.client(url, maxRetries: 0)
        let error = try await #require(throws: AvalaError.self) { try await client.export(uid: "x") }
        try await client.shutdown()
        #expect(error.code == .transport)
        #expect(error.message == message, "\(error)")
    }
}
