import BotKit
import Foundation
import Logging
import Testing

@testable import ForwardPlugin

@Suite struct ForwardPluginTests {
    /// A scripted network failure.
    struct TransportError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let url = "https://hooks.example.com/avala/in?token=s3cr3t-query"
    static let now = Date(timeIntervalSince1970: 1_760_000_000)

    static let event = Event(
        id: "ev-1",
        type: "export.completed",
        source: .webhook,
        time: Date(timeIntervalSince1970: 1_759_999_990),
        subject: .init(kind: "export", uid: "e-1"),
        data: ["export": ["uid": "e-1", "status": "completed", "download_url": "https://files.example.com/e-1.zip"]]
    )

    static func plugin(timeout: String? = nil) throws -> ForwardPlugin {
        let target: [String: JSON] = ["url": .string(url), "secret": .string(secret)]
        var values: [String: JSON] = [
            "targets": ["warehouse": .object(target), "other": ["url": "http://localhost:8080/hook", "secret": .string(secret)]]
        ]
        if let timeout { values["timeout"] = .string(timeout) }
        return try ForwardPlugin(config: PluginConfig(values))
    }

    static let request = ActionRequest(action: "send", parameters: ["target": "warehouse"], event: event, rule: "to-warehouse")

    static func context(_ http: RecordingOutboundHTTP, dryRun: Bool = false, key: String = "ev-1/to-warehouse/0") -> PluginContext {
        PluginContext(
            logger: Logger(label: "forward-tests", factory: { _ in SwiftLogNoOpLogHandler() }),
            config: PluginConfig(),
            dryRun: dryRun,
            idempotencyKey: key,
            http: http,
            now: { now }
        )
    }

    @Test func postsTheEventsFileFormSigned() async throws {
        let http = RecordingOutboundHTTP(responses: [OutboundResponse(status: 202)])
        let outcome = try await Self.plugin(timeout: "3s").perform(Self.request, context: Self.context(http))
        #expect(outcome == .done("forwarded to warehouse (HTTP 202)"))
        let sent = try #require(http.requests.first)
        #expect(http.requests.count == 1)
        #expect(sent.method == "POST")
        #expect(sent.url == Self.url)
        #expect(sent.timeout == .seconds(3))
        let body = try #require(sent.body)
        #expect(body == (try Self.event.fileData()))
        #expect(try JSONDecoder().decode(JSON.self, from: body) == Self.event.fileForm)
        #expect(sent.headers["Content-Type"] == "application/json")
        #expect(sent.headers["User-Agent"] == "avala-bot")

        let id = try #require(sent.headers["webhook-id"])
        #expect(id.hasPrefix("msg_"))
        #expect(sent.headers["webhook-timestamp"] == "1760000000")
        let signer = try StandardWebhooksSigner(secret: Self.secret)
        #expect(sent.headers["webhook-signature"] == "v1," + signer.signature(id: id, timestamp: 1_760_000_000, body: body))
        // Another key signs differently: the comparison above is not vacuous.
        let other = try StandardWebhooksSigner(secret: "whsec_" + Data(repeating: 7, count: 24).base64EncodedString())
        #expect(sent.headers["webhook-signature"] != "v1," + other.signature(id: id, timestamp: 1_760_000_000, body: body))
    }

    @Test func aRetryCarriesTheSameWebhookIDAndAnotherActionAnother() async throws {
        let http = RecordingOutboundHTTP(responses: [OutboundResponse(status: 500), OutboundResponse(status: 200)])
        let plugin = try Self.plugin()
        let first = try await plugin.perform(Self.request, context: Self.context(http))
        let second = try await plugin.perform(Self.request, context: Self.context(http))
        let third = try await plugin.perform(Self.request, context: Self.context(http, key: "ev-1/to-warehouse/1"))
        #expect(first.name == "retry")
        #expect(second == .done("forwarded to warehouse (HTTP 200)"))
        #expect(third.name == "done")
        let ids = http.requests.map { $0.headers["webhook-id"] }
        #expect(ids.count == 3)
        #expect(ids[0] != nil && ids[0] == ids[1])
        #expect(ids[2] != ids[0])
    }

    @Test func serviceUnavailableRetriesWhenRetryAfterSays() async throws {
        let http = RecordingOutboundHTTP(responses: [
            OutboundResponse(status: 503, headers: ["retry-after": "120"], body: Data("maintenance".utf8)),
            OutboundResponse(status: 429, headers: ["Retry-After": "Thu, 09 Oct 2025 09:00:00 GMT"]),
            OutboundResponse(status: 502),
        ])
        let plugin = try Self.plugin()
        let seconds = try await plugin.perform(Self.request, context: Self.context(http))
        #expect(
            seconds
                == .retry(
                    after: Self.now.addingTimeInterval(120),
                    reason: "warehouse (https://hooks.example.com) answered HTTP 503: maintenance"
                )
        )
        let date = try await plugin.perform(Self.request, context: Self.context(http))
        let expected = try #require(
            Calendar(identifier: .gregorian).date(from: DateComponents(timeZone: .gmt, year: 2025, month: 10, day: 9, hour: 9))
        )
        #expect(date == .retry(after: expected, reason: "warehouse (https://hooks.example.com) answered HTTP 429"))
        let unsaid = try await plugin.perform(Self.request, context: Self.context(http))
        #expect(unsaid == .retry(after: nil, reason: "warehouse (https://hooks.example.com) answered HTTP 502"))
    }

    @Test(arguments: [404, 400, 401, 410, 301, 308])
    func redirectsAndOtherClientErrorsFailForGood(status: Int) async throws {
        let http = RecordingOutboundHTTP(responses: [OutboundResponse(status: status, body: Data("no such hook".utf8))])
        let outcome = try await Self.plugin().perform(Self.request, context: Self.context(http))
        #expect(outcome.name == "failed")
        #expect(outcome.detail.contains("HTTP \(status)"))
    }

    /// A request timeout on the receiver's side is worth another attempt, as for the alert receivers.
    @Test func aRequestTimeoutRetries() async throws {
        let http = RecordingOutboundHTTP(responses: [OutboundResponse(status: 408)])
        let outcome = try await Self.plugin().perform(Self.request, context: Self.context(http))
        #expect(outcome.name == "retry")
        #expect(outcome.detail.contains("HTTP 408"))
    }

    @Test func aTransportErrorRetries() async throws {
        let http = RecordingOutboundHTTP(results: [.failure(TransportError("connection refused to \(Self.url)"))])
        let outcome = try await Self.plugin().perform(Self.request, context: Self.context(http))
        #expect(
            outcome
                == .retry(
                    after: nil,
                    reason: "could not reach warehouse (https://hooks.example.com): connection refused to https://hooks.example.com"
                )
        )
        #expect(http.requests.count == 1)
    }

    @Test func aRefusalBeforeSendingFailsAtOnce() async throws {
        // What the bot's outbound HTTP throws for a dry run or a URL that is not http(s).
        let http = RecordingOutboundHTTP(results: [.failure(ActionError.permanent("refused to send to \(Self.url)"))])
        let outcome = try await Self.plugin().perform(Self.request, context: Self.context(http))
        #expect(outcome == .failed("not forwarded to warehouse (https://hooks.example.com): refused to send to https://hooks.example.com"))
    }

    @Test func dryRunSendsNothing() async throws {
        let http = RecordingOutboundHTTP()
        let outcome = try await Self.plugin().perform(Self.request, context: Self.context(http, dryRun: true))
        #expect(outcome == .done("would forward to warehouse"))
        #expect(http.requests.isEmpty)
    }

    @Test func anUnknownTargetFailsNamingTheKnownOnes() async throws {
        let http = RecordingOutboundHTTP()
        let request = ActionRequest(action: "send", parameters: ["target": "elsewhere"], event: Self.event, rule: "r")
        let outcome = try await Self.plugin().perform(request, context: Self.context(http))
        #expect(outcome == .failed("unknown target 'elsewhere'; configured: other, warehouse"))
        #expect(http.requests.isEmpty)
    }

    @Test func neitherTheSecretNorTheQueryAppearsInAnyOutcome() async throws {
        let responses: [Result<OutboundResponse, any Error>] = [
            .success(OutboundResponse(status: 200)), .success(OutboundResponse(status: 503)), .success(OutboundResponse(status: 404)),
            .success(OutboundResponse(status: 404, body: Data("Cannot POST /avala/in?token=s3cr3t-query".utf8))),
            .success(OutboundResponse(status: 422, body: Data(#"{"error": "bad token s3cr3t-query"}"#.utf8))),
            .success(OutboundResponse(status: 302, headers: ["Location": Self.url])),
            .failure(TransportError("timed out: \(Self.url)")),
        ]
        let http = RecordingOutboundHTTP(results: responses)
        let plugin = try Self.plugin()
        for _ in responses {
            let outcome = try await plugin.perform(Self.request, context: Self.context(http))
            #expect(!outcome.detail.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "\(outcome)")
            #expect(!outcome.detail.contains("s3cr3t-query"), "\(outcome)")
        }
        #expect(http.requests.count == responses.count)
    }

    /// A path can hold the token (Slack-style `/hooks/T0/B0/<token>`): outcomes go to the journal, the
    /// log, `/status` and the dead-letter event, so they show the origin only.
    @Test func aTokenInTheURLPathAppearsInNoOutcome() async throws {
        let url = "https://hooks.example.com:8443/hooks/T0/B0/p4th-t0ken/in"
        let plugin = try ForwardPlugin(config: PluginConfig(["targets": ["warehouse": ["url": .string(url), "secret": .string(Self.secret)]]]))
        // A receiver's error page quotes the request's path (Express: `Cannot POST /…`), in part or whole.
        let responses: [Result<OutboundResponse, any Error>] = [
            .success(OutboundResponse(status: 503)), .success(OutboundResponse(status: 404)),
            .success(OutboundResponse(status: 404, body: Data("<pre>Cannot POST /hooks/T0/B0/p4th-t0ken/in</pre>".utf8))),
            .success(OutboundResponse(status: 400, body: Data("unknown hook p4th-t0ken".utf8))),
            // The token straddles the excerpt's cut; quotes of the whole URL before it shrink when redacted,
            // pulling what follows them forward; and an answer kept up to a size may end inside the token.
            .success(OutboundResponse(status: 404, body: Data((String(repeating: "x", count: 195) + " /hooks/T0/B0/p4th-t0ken/in").utf8))),
            .success(
                OutboundResponse(status: 404, body: Data((String(repeating: url + " ", count: 12) + "Cannot POST /hooks/T0/B0/p4th-t0ken/in").utf8))
            ),
            .success(OutboundResponse(status: 404, body: Data("Cannot POST /hooks/T0/B0/p4th-t0".utf8))),
            .success(OutboundResponse(status: 301, headers: ["Location": "https://elsewhere.example.com/"])),
            .failure(TransportError("connection reset by \(url)")),
        ]
        let http = RecordingOutboundHTTP(results: responses)
        for _ in responses {
            let outcome = try await plugin.perform(Self.request, context: Self.context(http))
            #expect(outcome.name != "done")
            #expect(!outcome.detail.contains("p4th-t0ken") && !outcome.detail.contains("p4th"), "\(outcome)")
            #expect(!outcome.detail.contains("/hooks/"), "\(outcome)")
            #expect(outcome.detail.contains("warehouse (https://hooks.example.com:8443)"), "\(outcome)")
        }
        #expect(http.requests.map(\.url) == Array(repeating: url, count: responses.count))
    }

    /// Target configs that are wrong, and the key each error must name.
    static let badTargets: [(name: String, target: JSON, key: String)] = [
        ("no url", ["secret": .string(secret)], "targets.t.url"),
        // Forwarded unsigned, the events would be refused by a receiver that verifies, or acted on by one that does not.
        ("no secret", ["url": "https://hooks.example.com"], "targets.t.secret"),
        ("ftp url", ["url": "ftp://files.example.com/in"], "targets.t.url"),
        ("no host", ["url": "https:///path"], "targets.t.url"),
        ("not a url", ["url": "hooks.example.com/in"], "targets.t.url"),
        ("bad secret", ["url": "https://hooks.example.com", "secret": "whsec_not base64!"], "targets.t.secret"),
        ("secret not a string", ["url": "https://hooks.example.com", "secret": 42], "targets.t.secret"),
        ("unknown key", ["url": "https://hooks.example.com", "headers": ["X": "y"]], "targets.t.headers"),
        ("not a mapping", "https://hooks.example.com", "targets.t"),
    ]

    @Test(arguments: badTargets.indices)
    func badTargetConfigNamesTheKeyAndNeverTheSecret(index: Int) throws {
        let bad = Self.badTargets[index]
        let error = try #require(throws: PluginConfigError.self, "\(bad.name)") {
            try ForwardPlugin(config: PluginConfig(["targets": ["t": bad.target]]))
        }
        #expect(error.key == bad.key, "\(bad.name): \(error)")
        #expect(!error.message.contains("not base64!"))
    }

    @Test func missingTargetsAndBadTimeoutAreConfigErrors() throws {
        #expect(throws: PluginConfigError.self) { try ForwardPlugin(config: PluginConfig()) }
        let error = try #require(throws: PluginConfigError.self) { try Self.plugin(timeout: "10") }
        #expect(error.key == "timeout")
    }

    /// A receiver asking for a pause of a year is retried at the dispatcher's longest delay (600 s here).
    @Test func aRetryAfterOfAYearIsCutToTheLongestRetryDelay() async throws {
        let http = RecordingOutboundHTTP(responses: [OutboundResponse(status: 503, headers: ["Retry-After": "31536000"])])
        let outcome = try await Self.plugin().perform(Self.request, context: Self.context(http))
        guard case .retry(let after, _) = outcome else {
            Issue.record("expected retry, got \(outcome)")
            return
        }
        #expect(after == Self.now.addingTimeInterval(600))
    }
}
