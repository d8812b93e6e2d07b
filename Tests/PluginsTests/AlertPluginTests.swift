import AlertPlugin
import BotKit
import Foundation
import Logging
import Synchronization
import Testing

@Suite struct AlertPluginTests {
    static let slackURL = "https://hooks.slack.test/services/T0/B0/secret-token"
    static let hookURL = "https://alerts.example.test/in"
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    // MARK: Config

    @Test(
        arguments: [
            (["receivers": ["x": ["email": ["to": "ops@acme.ai"]]]], "receivers.x.email"),
            (["receivers": ["x": ["slack": ["url": .string(slackURL)], "log": [:]]]], "receivers.x"),
            (["receivers": ["x": [:]]], "receivers.x"),
            (["receivers": ["x": ["slack": ["url": "ftp://hooks.slack.test/services/secret-token"]]]], "receivers.x.slack.url"),
            (["receivers": ["x": ["slack": [:]]]], "receivers.x.slack.url"),
            (["receivers": ["x": ["slack": ["url": .string(slackURL), "channel": "#ops"]]]], "receivers.x.slack.channel"),
            (["receivers": ["x": ["webhook": ["url": .string(hookURL), "secret": "whsec_!!secret-token!!"]]]], "receivers.x.webhook.secret"),
            (["receivers": ["x": ["log": ["level": "info"]]]], "receivers.x.log.level"),
            (["group_wait": "30"], "group_wait"),
            (["repeat_interval": "4 hours"], "repeat_interval"),
            (["silences": [["matchers": ["event.type": "export.failed"], "until": "tomorrow", "comment": "x"]]], "silences[0].until"),
            (["silences": [["matchers": [:], "until": "2026-01-02T00:00:00Z"]]], "silences[0].matchers"),
            (["silences": [["matcher": ["event.type": "x"], "until": "2026-01-02T00:00:00Z"]]], "silences[0].matcher"),
            (["silences": ["event.type=export.failed"]], "silences[0]"),
            (["receiver": ["x": ["log": [:]]]], "receiver"),
        ] as [(JSON, String)]
    )
    func configErrorsNameTheKeyPath(config: JSON, key: String) throws {
        let error = try #require(throws: PluginConfigError.self) { try AlertPlugin(config: PluginConfig(config.objectValue ?? [:])) }
        #expect(error.key == key)
        #expect(!error.message.contains("secret-token"), "an error must never quote a URL or secret: \(error.message)")
    }

    @Test func aValidConfigLoads() throws {
        _ = try AlertPlugin(
            config: PluginConfig([
                "receivers": [
                    "ops-slack": ["slack": ["url": .string(Self.slackURL)]],
                    "hook": ["webhook": ["url": .string(Self.hookURL), "secret": .string(Self.secret)]],
                    "plain": ["webhook": ["url": "http://localhost:9000/alerts"]],
                    "journal": ["log": [:]],
                ],
                "group_wait": "10s", "group_interval": "2m", "repeat_interval": "1h",
                "silences": [["matchers": ["project.name": "prod-*"], "until": "2026-01-02T00:00:00+02:00", "comment": "window"]],
            ])
        )
    }

    @Test func aDeclaredParameterSpecForEveryParameter() throws {
        let send = try #require(AlertPlugin.mainAction)
        let kinds = Dictionary(uniqueKeysWithValues: send.parameters.map { ($0.name, $0.kind) })
        #expect(
            kinds == [
                "receiver": .string, "text": .string, "title": .string, "group_by": .list,
                "group_wait": .duration, "group_interval": .duration, "repeat_interval": .duration,
            ]
        )
        #expect(send.parameters.filter(\.required).map(\.name).sorted() == ["receiver", "text"])
        #expect(AlertPlugin.configKeys.map(\.name).sorted() == ["group_interval", "group_wait", "receivers", "repeat_interval", "silences"])
    }

    // MARK: Parameters

    @Test func anUnknownReceiverFailsNamingTheKnownOnes() async throws {
        let fixture = try AlertFixture()
        let outcome = try await fixture.send("disk full", key: "k1", receiver: "pager")
        guard case .failed(let reason) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(reason.contains("'pager'") && reason.contains("ops-slack"))
        #expect(fixture.http.requests.isEmpty)
    }

    @Test func aBadDurationOverrideFailsTheAction() async throws {
        let fixture = try AlertFixture()
        let outcome = try await fixture.send("disk full", key: "k1", parameters: ["group_wait": "soon"])
        guard case .failed(let reason) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(reason.hasPrefix("group_wait:"))
        #expect(try await fixture.state.get("groups") == nil)
    }

    // MARK: Silences

    @Test func aConfigSilenceMatchesByGlobUntilItExpires() async throws {
        let fixture = try AlertFixture(extra: [
            "silences": [
                [
                    "matchers": ["project.name": "prod-*", "event.type": "export.failed"],
                    "until": .string(Event.timestamp(AlertFixture.start.addingTimeInterval(3_600))), "comment": "migration",
                ]
            ]
        ])
        let silenced = try await fixture.send("export e-1 failed", key: "k1", event: .exportFailure("e-1", project: "prod-cats"))
        guard case .skipped(let reason) = silenced else {
            Issue.record("expected skipped, got \(silenced)")
            return
        }
        #expect(reason.hasPrefix("silenced until 2026-01-01T01:00:00.000Z") && reason.contains("(migration)"))

        let other = try await fixture.send("export e-2 failed", key: "k2", event: .exportFailure("e-2", project: "dev-cats"))
        #expect(other.name == "deferred")

        fixture.clock.advance(by: 3_600)
        let afterExpiry = try await fixture.send("export e-3 failed", key: "k3", event: .exportFailure("e-3", project: "prod-cats"))
        #expect(afterExpiry.name != "skipped")
    }

    @Test func aSilenceInStateIsAddedListedAndExpired() async throws {
        let fixture = try AlertFixture()
        let added = try await AlertSilence.add(
            AlertSilence(id: "s-1", matchers: ["export.uid": "e-*"], until: AlertFixture.start.addingTimeInterval(7_200), comment: "noisy"),
            to: fixture.state,
            now: fixture.clock.now
        )
        #expect(added.createdAt == AlertFixture.start)
        let stored = try #require(try await fixture.state.get(AlertSilence.stateKey)?.arrayValue?.first)
        #expect(stored["id"] == "s-1" && stored["until"] == "2026-01-01T02:00:00.000Z" && stored["comment"] == "noisy")
        #expect(stored["matchers"] == ["export.uid": "e-*"] && stored["created_at"] == "2026-01-01T00:00:00.000Z")

        let silenced = try await fixture.send("export e-1 failed", key: "k1")
        #expect(silenced.name == "skipped" && silenced.detail.contains("(noisy)"))

        fixture.clock.advance(by: 60)
        #expect(try await AlertSilence.expire(id: "s-1", in: fixture.state, now: fixture.clock.now))
        #expect(try await AlertSilence.expire(id: "nope", in: fixture.state, now: fixture.clock.now) == false)
        let listed = try await AlertSilence.list(in: fixture.state)
        #expect(listed.map(\.id) == ["s-1"] && listed.first?.isActive(at: fixture.clock.now) == false)
        #expect(try await AlertSilence.active(in: fixture.state, at: fixture.clock.now).isEmpty)

        let afterExpiry = try await fixture.send("export e-1 failed", key: "k1")
        #expect(afterExpiry.name == "deferred")
    }

    @Test(arguments: [
        ("prod-*", "prod-cats", true), ("prod-*", "dev-prod", false), ("*-cats", "prod-cats", true), ("p*d*s", "prod-cats", true),
        ("*", "", true), ("prod", "prod-cats", false), ("prod-cats", "prod-cats", true), ("a*a", "a", false), ("pr?d", "prod", false),
    ])
    func silenceMatchers(pattern: String, value: String, matches: Bool) {
        let silence = AlertSilence(matchers: ["project.name": pattern], until: .distantFuture)
        #expect(silence.matches(["project": ["name": .string(value)]]) == matches)
    }

    @Test func aMatcherOnAMissingPathNeverMatches() {
        let silence = AlertSilence(matchers: ["project.name": "*"], until: .distantFuture)
        #expect(!silence.matches(["export": ["uid": "e-1"]]))
    }

    /// A silence added while an alert waits in its group keeps that alert out of the group's message,
    /// even though the message is flushed by another action whose own alert is not silenced.
    @Test func aSilenceAddedWhileAnAlertWaitsKeepsItOutOfTheGroupsMessage() async throws {
        let fixture = try AlertFixture()
        let staging = Event.exportFailure("e-1", project: "staging-x")
        let prod = Event.exportFailure("e-2", project: "prod-cats")
        #expect(try await fixture.send("staging export failed", key: "k1", event: staging).name == "deferred")
        fixture.clock.advance(by: 5)
        #expect(try await fixture.send("prod export failed", key: "k2", event: prod).name == "deferred")
        fixture.clock.advance(by: 5)
        try await AlertSilence.add(
            AlertSilence(matchers: ["project.name": "staging-*"], until: AlertFixture.start.addingTimeInterval(3_600), comment: "staging rebuild"),
            to: fixture.state,
            now: fixture.clock.now
        )

        fixture.clock.advance(by: 20)
        let flushed = try await fixture.send("prod export failed", key: "k2", event: prod)
        #expect(flushed == .done("sent 1 alert to ops-slack in one message; 1 silenced alert left out"))
        let request = try #require(fixture.http.requests.soleElement)
        let sections = try request.decodedBody()["blocks"]?.arrayValue?.filter { $0["type"] == "section" }.compactMap {
            $0[path: "text.text"]?.stringValue
        }
        #expect(sections == ["prod export failed"])

        // The held-back alert's own action says why, truthfully: it was not sent.
        let held = try await fixture.send("staging export failed", key: "k1", event: staging)
        #expect(held.name == "skipped" && held.detail.contains("(staging rebuild)"))
        #expect(fixture.http.requests.count == 1)
    }

    /// An alert another action's message carried was sent: a silence added afterwards must not make its
    /// own action's journal say it was silenced.
    @Test func anAlertSentBeforeASilenceBeganIsJournaledAsDelivered() async throws {
        let fixture = try AlertFixture()
        let staging = Event.exportFailure("e-1", project: "staging-x")
        let prod = Event.exportFailure("e-2", project: "prod-cats")
        _ = try await fixture.send("staging export failed", key: "k1", event: staging)
        _ = try await fixture.send("prod export failed", key: "k2", event: prod)
        fixture.clock.advance(by: 30)
        #expect(try await fixture.send("prod export failed", key: "k2", event: prod) == .done("sent 2 alerts to ops-slack in one message"))
        try await AlertSilence.add(
            AlertSilence(matchers: ["project.name": "staging-*"], until: AlertFixture.start.addingTimeInterval(3_600)),
            to: fixture.state,
            now: fixture.clock.now
        )

        fixture.clock.advance(by: 1)
        let late = try await fixture.send("staging export failed", key: "k1", event: staging)
        #expect(late == .done("delivered in a group message to ops-slack at 2026-01-01T00:00:30.000Z"))
    }

    // MARK: Grouping

    @Test func groupWaitDefersThenOneSlackMessageInBlockKit() async throws {
        let fixture = try AlertFixture()
        let first = try await fixture.send("Export e-1 failed: <!channel> disk full", key: "k1", parameters: ["title": "Export failed"])
        #expect(first.deferralTime == AlertFixture.start.addingTimeInterval(30))
        #expect(fixture.http.requests.isEmpty)

        fixture.clock.advance(by: 29)
        #expect(
            try await fixture.send("Export e-1 failed: <!channel> disk full", key: "k1", parameters: ["title": "Export failed"]).name == "deferred"
        )
        fixture.clock.advance(by: 1)
        let sent = try await fixture.send("Export e-1 failed: <!channel> disk full", key: "k1", parameters: ["title": "Export failed"])
        #expect(sent == .done("sent 1 alert to ops-slack in one message"))

        let request = try #require(fixture.http.requests.soleElement)
        #expect(request.method == "POST" && request.url == Self.slackURL && request.headers["Content-Type"] == "application/json")
        #expect(request.timeout > .zero && request.timeout <= .seconds(30))
        let body = try request.decodedBody()
        let blocks = try #require(body["blocks"]?.arrayValue)
        #expect(blocks.map { $0["type"]?.stringValue ?? "" } == ["header", "section", "context"])
        #expect(blocks[0][path: "text.type"] == "plain_text" && blocks[0][path: "text.text"] == "Export failed")
        #expect(blocks[1][path: "text.type"] == "mrkdwn")
        #expect(blocks[1][path: "text.text"] == "Export e-1 failed: &lt;!channel&gt; disk full")
        #expect(blocks[2][path: "elements.0.text"]?.stringValue?.hasPrefix("1 alert · rule page-on-failed-export") == true)
        // The fallback text notifies too: escaped like the blocks, so `<!channel>` pages no one.
        #expect(body["text"] == "Export failed: Export e-1 failed: &lt;!channel&gt; disk full")
    }

    @Test func tenFailuresInTheGroupWindowMakeExactlyOneMessageListingTen() async throws {
        let fixture = try AlertFixture()
        for index in 1...10 {
            fixture.clock.advance(by: 1)
            let outcome = try await fixture.send("export e-\(index) failed", key: "k\(index)", event: .exportFailure("e-\(index)"))
            #expect(outcome.deferralTime == AlertFixture.start.addingTimeInterval(31), "all wait for the first one's group_wait")
        }
        fixture.clock.advance(by: 30)
        #expect(try await fixture.send("export e-1 failed", key: "k1") == .done("sent 10 alerts to ops-slack in one message"))
        for index in 2...10 {
            let outcome = try await fixture.send("export e-\(index) failed", key: "k\(index)", event: .exportFailure("e-\(index)"))
            #expect(outcome == .done("delivered in a group message to ops-slack at 2026-01-01T00:00:40.000Z"))
        }
        let request = try #require(fixture.http.requests.soleElement)
        let sections = try request.decodedBody()["blocks"]?.arrayValue?.filter { $0["type"] == "section" }.compactMap {
            $0[path: "text.text"]?.stringValue
        }
        #expect(sections == (1...10).map { "export e-\($0) failed" })
    }

    @Test func aLongGroupStaysWithinSlacksBlockLimit() async throws {
        let fixture = try AlertFixture()
        for index in 1...45 { _ = try await fixture.send("export e-\(index) failed", key: "k\(index)") }
        fixture.clock.advance(by: 30)
        #expect(try await fixture.send("export e-1 failed", key: "k1") == .done("sent 45 alerts to ops-slack in one message"))
        let blocks = try #require(try fixture.http.requests.soleElement?.decodedBody()["blocks"]?.arrayValue)
        #expect(blocks.count <= 50)
        #expect(blocks.contains { $0[path: "text.text"] == "…and 5 more" })
    }

    /// Slack refuses a text longer than 3000 characters in a context block too: a long `group_by` value
    /// must not make every message of its group a refusal.
    @Test func aLongGroupLabelStaysWithinSlacksTextLimit() async throws {
        let fixture = try AlertFixture()
        let long = String(repeating: "n", count: 4_000)
        let event = Event.exportFailure("e-1", project: long)
        _ = try await fixture.send("a", key: "k1", event: event, parameters: ["group_by": ["project.name"]])
        fixture.clock.advance(by: 30)
        #expect(try await fixture.send("a", key: "k1", event: event, parameters: ["group_by": ["project.name"]]).name == "done")
        let context = try #require(
            try fixture.http.requests.soleElement?.decodedBody()["blocks"]?.arrayValue?.last?[path: "elements.0.text"]?.stringValue
        )
        #expect(context.count <= 3_000)
        #expect(context.hasPrefix("1 alert · rule page-on-failed-export · project.name=nnn") && context.hasSuffix("…"))
    }

    @Test func groupByKeepsGroupsApart() async throws {
        let fixture = try AlertFixture()
        let groupBy: JSON = ["project.uid"]
        _ = try await fixture.send("a", key: "k1", event: .exportFailure("e-1", projectUID: "p-1"), parameters: ["group_by": groupBy])
        _ = try await fixture.send("b", key: "k2", event: .exportFailure("e-2", projectUID: "p-2"), parameters: ["group_by": groupBy])
        fixture.clock.advance(by: 30)
        #expect(
            try await fixture.send("a", key: "k1", event: .exportFailure("e-1", projectUID: "p-1"), parameters: ["group_by": groupBy]).name == "done"
        )
        #expect(
            try await fixture.send("b", key: "k2", event: .exportFailure("e-2", projectUID: "p-2"), parameters: ["group_by": groupBy]).name == "done"
        )
        #expect(fixture.http.requests.count == 2)
        let contexts = try fixture.http.requests.map { try $0.decodedBody()["blocks"]?.arrayValue?.last?[path: "elements.0.text"]?.stringValue ?? "" }
        #expect(contexts[0].hasSuffix("project.uid=p-1") && contexts[1].hasSuffix("project.uid=p-2"))
    }

    @Test func aSecondBatchWaitsGroupIntervalAfterTheLastMessage() async throws {
        let fixture = try AlertFixture()
        _ = try await fixture.send("first", key: "k1")
        fixture.clock.advance(by: 30)
        #expect(try await fixture.send("first", key: "k1").name == "done")
        let sentAt = fixture.clock.now

        fixture.clock.advance(by: 60)
        let second = try await fixture.send("second", key: "k2")
        #expect(second.deferralTime == sentAt.addingTimeInterval(300))
        fixture.clock.advance(by: 120)
        let third = try await fixture.send("third", key: "k3")
        #expect(third.deferralTime == sentAt.addingTimeInterval(300))
        #expect(fixture.http.requests.count == 1)

        fixture.clock.advance(by: 120)
        #expect(try await fixture.send("third", key: "k3") == .done("sent 2 alerts to ops-slack in one message"))
        #expect(fixture.http.requests.count == 2)

        // Long after the last message, a new burst starts over with group_wait instead of going out alone.
        fixture.clock.advance(by: 3_600)
        #expect(try await fixture.send("fourth", key: "k4").deferralTime == fixture.clock.now.addingTimeInterval(30))
    }

    @Test func theSameTextWithinRepeatIntervalIsSkipped() async throws {
        let fixture = try AlertFixture(extra: ["repeat_interval": "1h"])
        _ = try await fixture.send("quality dropped on p-1", key: "k1")
        fixture.clock.advance(by: 30)
        #expect(try await fixture.send("quality dropped on p-1", key: "k1").name == "done")

        fixture.clock.advance(by: 600)
        let repeated = try await fixture.send("quality dropped on p-1", key: "k2")
        guard case .skipped(let reason) = repeated else {
            Issue.record("expected skipped, got \(repeated)")
            return
        }
        #expect(reason.contains("2026-01-01T00:00:30.000Z") && reason.contains("repeat_interval 1h"))

        fixture.clock.advance(by: 3_600)
        #expect(try await fixture.send("quality dropped on p-1", key: "k3").name == "deferred")
        #expect(fixture.http.requests.count == 1)
    }

    @Test func anIdenticalAlertAlreadyWaitingIsSentOnce() async throws {
        let fixture = try AlertFixture()
        _ = try await fixture.send("bot cannot reach the API", key: "k1")
        #expect(try await fixture.send("bot cannot reach the API", key: "k2").name == "skipped")
        fixture.clock.advance(by: 30)
        #expect(try await fixture.send("bot cannot reach the API", key: "k1") == .done("sent 1 alert to ops-slack in one message"))
    }

    // MARK: Receiver errors

    @Test func a500IsRetriedAfterRetryAfterAndTheAlertsStayPending() async throws {
        let http = RecordingOutboundHTTP(responses: [OutboundResponse(status: 500, headers: ["retry-after": "120"], body: Data("upstream down".utf8))]
        )
        let fixture = try AlertFixture(http: http)
        _ = try await fixture.send("first", key: "k1")
        _ = try await fixture.send("second", key: "k2")
        fixture.clock.advance(by: 30)
        let failed = try await fixture.send("first", key: "k1")
        guard case .retry(let after, let reason) = failed else {
            Issue.record("expected retry, got \(failed)")
            return
        }
        #expect(after == fixture.clock.now.addingTimeInterval(120))
        #expect(reason.contains("500") && reason.contains("upstream down") && reason.hasSuffix("; the message held 2 alerts"))

        // The group as a whole honours Retry-After: the other action waits too instead of hammering.
        #expect(try await fixture.send("second", key: "k2").deferralTime == fixture.clock.now.addingTimeInterval(120))
        fixture.clock.advance(by: 120)
        #expect(try await fixture.send("second", key: "k2") == .done("sent 2 alerts to ops-slack in one message"))
        #expect(try await fixture.send("first", key: "k1").name == "done")
        #expect(http.requests.count == 2)
    }

    @Test func a429WithAnHTTPDateRetryAfterIsTransient() async throws {
        let http = RecordingOutboundHTTP(responses: [OutboundResponse(status: 429, headers: ["Retry-After": "Thu, 01 Jan 2026 00:05:00 GMT"])])
        let fixture = try AlertFixture(http: http)
        _ = try await fixture.send("first", key: "k1")
        fixture.clock.advance(by: 30)
        let outcome = try await fixture.send("first", key: "k1")
        guard case .retry(let after, _) = outcome else {
            Issue.record("expected retry, got \(outcome)")
            return
        }
        #expect(after == AlertFixture.start.addingTimeInterval(300))
    }

    /// A receiver asking for a pause of a year (or more than any clock holds) holds the group back no
    /// longer than the dispatcher's longest retry delay (600 s in this context), and no value traps.
    @Test(arguments: ["31536000", "9223372036854775807", "99999999999999999999999999"])
    func aHugeRetryAfterHoldsTheGroupBackNoLongerThanTheLongestRetryDelay(value: String) async throws {
        let http = RecordingOutboundHTTP(responses: [OutboundResponse(status: 503, headers: ["Retry-After": value])])
        let fixture = try AlertFixture(http: http)
        _ = try await fixture.send("first", key: "k1")
        _ = try await fixture.send("second", key: "k2")
        fixture.clock.advance(by: 30)
        let outcome = try await fixture.send("first", key: "k1")
        guard case .retry(let after, _) = outcome else {
            Issue.record("expected retry, got \(outcome)")
            return
        }
        let bound = fixture.clock.now.addingTimeInterval(600)
        #expect(after == bound)
        #expect(try await fixture.send("second", key: "k2").deferralTime == bound)
    }

    @Test func a400FailsForGoodAndTheOthersStillTry() async throws {
        let http = RecordingOutboundHTTP(responses: [OutboundResponse(status: 400, body: Data("invalid_payload".utf8))])
        let fixture = try AlertFixture(http: http)
        _ = try await fixture.send("first", key: "k1")
        _ = try await fixture.send("second", key: "k2")
        fixture.clock.advance(by: 30)
        let failed = try await fixture.send("first", key: "k1")
        #expect(failed == .failed("slack receiver 'ops-slack' answered 400: invalid_payload"))
        #expect(try await fixture.send("second", key: "k2") == .done("sent 1 alert to ops-slack in one message"))
        let sections = try http.requests.last?.decodedBody()["blocks"]?.arrayValue?.filter { $0["type"] == "section" }
        #expect(sections?.map { $0[path: "text.text"] } == ["second"])
    }

    /// A receiver's answer may quote the request's path, which for Slack is the secret: no part of it
    /// reaches the outcome.
    @Test(arguments: [
        "Cannot POST /services/T0/B0/secret-token", "no hook secret-token here",
        // The token straddles the excerpt's cut; quotes of the whole URL before it shrink when redacted; and
        // an answer kept up to a size may end inside the token.
        String(repeating: "x", count: 190) + " /services/T0/B0/secret-token",
        String(repeating: AlertPluginTests.slackURL + " ", count: 12) + "Cannot POST /services/T0/B0/secret-token",
        "Cannot POST /services/T0/B0/secret-to",
    ])
    func anAnswerQuotingTheURLPathIsRedacted(body: String) async throws {
        let http = RecordingOutboundHTTP(responses: [OutboundResponse(status: 404, body: Data(body.utf8))])
        let fixture = try AlertFixture(http: http)
        _ = try await fixture.send("first", key: "k1")
        fixture.clock.advance(by: 30)
        let outcome = try await fixture.send("first", key: "k1")
        #expect(outcome.detail.contains("answered 404: ") && !outcome.detail.contains("secret"), "\(outcome)")
        #expect(outcome.detail.contains("<re"), "something was redacted: \(outcome)")
    }

    @Test func aNetworkErrorIsRetriedWithoutQuotingTheURL() async throws {
        let http = RecordingOutboundHTTP { request in throw AlertNetworkError(url: request.url) }
        let fixture = try AlertFixture(http: http)
        _ = try await fixture.send("first", key: "k1")
        fixture.clock.advance(by: 30)
        let outcome = try await fixture.send("first", key: "k1")
        guard case .retry(let after, let reason) = outcome else {
            Issue.record("expected retry, got \(outcome)")
            return
        }
        #expect(after == nil)
        #expect(reason.contains("unreachable") && !reason.contains("secret-token"))
        let pending = try await fixture.state.get("groups")?.objectValue?.values.first?["pending"]?.arrayValue
        #expect(pending?.count == 1)
    }

    @Test func aRefusalBeforeSendingFailsAtOnce() async throws {
        // What the bot's outbound HTTP throws for a dry run or a URL that is not http(s): no later attempt
        // would be sent either, so the action fails instead of retrying.
        let http = RecordingOutboundHTTP { _ in throw ActionError.permanent("dry run: no outbound request was sent") }
        let fixture = try AlertFixture(http: http)
        _ = try await fixture.send("first", key: "k1")
        fixture.clock.advance(by: 30)
        let outcome = try await fixture.send("first", key: "k1")
        #expect(outcome == .failed("slack receiver 'ops-slack' not sent: dry run: no outbound request was sent"))
    }

    @Test func twoActionsRacingTheFlushSendOneMessage() async throws {
        // The first sender is held inside its request until the other action has returned (or, were the
        // lease broken, until a second request arrives), so both really are in flight at once.
        let gate = AlertSendGate()
        let http = RecordingOutboundHTTP { _ in
            await gate.arrive()
            return OutboundResponse(status: 200)
        }
        let fixture = try AlertFixture(http: http)
        _ = try await fixture.send("first", key: "k1")
        _ = try await fixture.send("second", key: "k2")
        fixture.clock.advance(by: 30)
        async let one = fixture.sendThenOpen(gate, "first", key: "k1")
        async let two = fixture.sendThenOpen(gate, "second", key: "k2")
        let outcomes = try await [one, two]

        #expect(http.requests.count == 1)
        let sent = ActionOutcome.done("sent 2 alerts to ops-slack in one message")
        #expect(outcomes.filter { $0 == sent }.count == 1)
        let waiting = try #require(outcomes.firstIndex { $0 != sent })
        #expect(outcomes[waiting].deferralTime == fixture.clock.now.addingTimeInterval(1), "looks again a second later, within the lease")

        fixture.clock.advance(by: 1)
        let late = try await fixture.send(waiting == 0 ? "first" : "second", key: waiting == 0 ? "k1" : "k2")
        #expect(late == .done("delivered in a group message to ops-slack at 2026-01-01T00:00:30.000Z"))
        #expect(http.requests.count == 1)
    }

    // MARK: Webhook and log receivers

    /// A group idle past repeat_interval is forgotten, and one started again under the same key counts its
    /// messages from 1 again: its message must still carry a new id, or a receiver that drops repeated
    /// webhook ids (as Standard Webhooks advises) drops the new alert.
    @Test func aGroupStartedAgainAfterBeingForgottenSendsANewMessageID() async throws {
        let http = RecordingOutboundHTTP(responses: [OutboundResponse(status: 204), OutboundResponse(status: 204)])
        let fixture = try AlertFixture(http: http, receiver: ["webhook": ["url": .string(Self.hookURL), "secret": .string(Self.secret)]])
        _ = try await fixture.send("export e-1 failed", key: "k1", receiver: "hook")
        fixture.clock.advance(by: 30)
        #expect(try await fixture.send("export e-1 failed", key: "k1", receiver: "hook").name == "done")
        fixture.clock.advance(by: 5 * 3_600)
        #expect(try await fixture.send("export e-2 failed", key: "k2", receiver: "hook").name == "deferred")
        fixture.clock.advance(by: 30)
        #expect(try await fixture.send("export e-2 failed", key: "k2", receiver: "hook").name == "done")

        #expect(http.requests.count == 2)
        let headerIDs = http.requests.compactMap { $0.headers["webhook-id"] }
        let bodyIDs = try http.requests.map { try $0.decodedBody()["id"]?.stringValue }
        #expect(headerIDs.count == 2 && headerIDs[0] != headerIDs[1], "\(headerIDs)")
        #expect(bodyIDs == headerIDs.map(Optional.some))
    }

    @Test func theWebhookReceiverSignsWithStandardWebhooks() async throws {
        let http = RecordingOutboundHTTP(responses: [OutboundResponse(status: 503), OutboundResponse(status: 204)])
        let fixture = try AlertFixture(http: http, receiver: ["webhook": ["url": .string(Self.hookURL), "secret": .string(Self.secret)]])
        let event = Event.exportFailure("e-7", projectUID: "p-9")
        let parameters: [String: JSON] = ["title": "Export failed", "group_by": ["event.type", "project.uid"]]
        _ = try await fixture.send("export e-7 failed", key: "k1", receiver: "hook", event: event, parameters: parameters)
        fixture.clock.advance(by: 30)
        #expect(try await fixture.send("export e-7 failed", key: "k1", receiver: "hook", event: event, parameters: parameters).name == "retry")
        #expect(try await fixture.send("export e-7 failed", key: "k1", receiver: "hook", event: event, parameters: parameters).name == "done")

        #expect(http.requests.count == 2)
        let signer = try StandardWebhooksSigner(secret: Self.secret)
        for request in http.requests {
            let id = try #require(request.headers["webhook-id"])
            let timestamp = try #require(Int64(request.headers["webhook-timestamp"] ?? ""))
            let body = try #require(request.body)
            #expect(request.headers["webhook-signature"] == "v1," + signer.signature(id: id, timestamp: timestamp, body: body))
            #expect(timestamp == Int64(AlertFixture.start.timeIntervalSince1970) + 30)
        }
        #expect(http.requests[0].headers["webhook-id"] == http.requests[1].headers["webhook-id"], "a retried flush keeps its webhook-id")

        let json = try http.requests[1].decodedBody()
        #expect(json["receiver"] == "hook")
        #expect(json["group"] == ["event.type": "export.failed", "project.uid": "p-9"])
        let alert = try #require(json["alerts"]?.arrayValue?.soleElement)
        #expect(alert["text"] == "export e-7 failed" && alert["title"] == "Export failed" && alert["rule"] == "page-on-failed-export")
        #expect(alert["event"] == event.fileForm && alert["at"] == "2026-01-01T00:00:00.000Z")
    }

    @Test func anUnsignedWebhookHasNoSignatureHeaders() async throws {
        let fixture = try AlertFixture(receiver: ["webhook": ["url": .string(Self.hookURL)]])
        _ = try await fixture.send("x", key: "k1")
        fixture.clock.advance(by: 30)
        #expect(try await fixture.send("x", key: "k1").name == "done")
        let request = try #require(fixture.http.requests.soleElement)
        #expect(request.headers["webhook-signature"] == nil && request.headers["Content-Type"] == "application/json")
    }

    @Test func theLogReceiverWritesAWarning() async throws {
        let records = AlertLogRecords()
        let fixture = try AlertFixture(
            receiver: ["log": [:]],
            logger: Logger(label: "alert-test") { _ in AlertCapturingLogHandler(records: records) }
        )
        _ = try await fixture.send("first", key: "k1")
        _ = try await fixture.send("second", key: "k2")
        fixture.clock.advance(by: 30)
        #expect(try await fixture.send("first", key: "k1") == .done("sent 2 alerts to ops-slack in one message"))
        let record = try #require(records.all.soleElement)
        #expect(record.level == .warning)
        #expect(record.metadata["alert.count"] == "2" && record.metadata["alert.texts"] == "first\nsecond")
        #expect(fixture.http.requests.isEmpty)
    }

    // MARK: Dry run

    // MARK: Actions the dispatcher gives up on

    /// The dispatcher dead-letters an action without running it (a reload removed its rule): its alert
    /// leaves the group, and the message the other action flushes carries only that action's own. Run
    /// again (`dead-letters retry`), the action adds its alert back.
    @Test func anAbandonedActionsAlertLeavesItsGroupUntilTheActionRunsAgain() async throws {
        let fixture = try AlertFixture()
        _ = try await fixture.send("first", key: "k1")
        _ = try await fixture.send("second", key: "k2")
        try await fixture.abandon(key: "k1")
        fixture.clock.advance(by: 30)
        let flushed = try await fixture.send("second", key: "k2")
        #expect(flushed == .done("sent 1 alert to ops-slack in one message"))
        let sections = try fixture.http.requests.last?.decodedBody()["blocks"]?.arrayValue?.filter { $0["type"] == "section" }
        #expect(sections?.map { $0[path: "text.text"] } == ["second"])

        let again = try await fixture.send("first", key: "k1")
        #expect(again.deferralTime == fixture.clock.now.addingTimeInterval(300))
        fixture.clock.advance(by: 300)
        let resent = try await fixture.send("first", key: "k1")
        #expect(resent == .done("sent 1 alert to ops-slack in one message"))
        #expect(fixture.http.requests.count == 2)
    }

    /// An action that held its group's lease when it stopped (a crash mid-send) and is then given up on
    /// gives the lease back: the group's other action sends now instead of waiting the lease out.
    @Test func anAbandonedActionGivesBackTheLeaseItHeld() async throws {
        let fixture = try AlertFixture()
        _ = try await fixture.send("first", key: "k1")
        _ = try await fixture.send("second", key: "k2")
        fixture.clock.advance(by: 30)
        // The state as k1 left it: its lease taken, its message not recorded.
        let until = JSON.number(fixture.clock.now.timeIntervalSince1970 * 1_000 + 30_000)
        try await fixture.state.update("groups") { current in
            guard var groups = current?.objectValue, let key = groups.keys.first, var group = groups[key]?.objectValue else { return current }
            group["lease"] = ["holder": "k1", "until": until]
            groups[key] = .object(group)
            return .object(groups)
        }
        let held = try await fixture.send("second", key: "k2")
        #expect(held.name == "deferred")

        try await fixture.abandon(key: "k1")
        let sent = try await fixture.send("second", key: "k2")
        #expect(sent == .done("sent 1 alert to ops-slack in one message"))
    }

    /// A sender whose send failed for now keeps the group's lease: should the dispatcher give up on its
    /// action (its attempts ran out), the group's next message, sent by another action, leaves its alert
    /// out. Released at the failure, the lease would let the other action send both in between.
    @Test func aSenderWhoseSendFailedKeepsTheLeaseUntilItsActionIsGivenUpOn() async throws {
        let http = RecordingOutboundHTTP(responses: [OutboundResponse(status: 503)])
        let fixture = try AlertFixture(http: http)
        _ = try await fixture.send("first", key: "k1")
        _ = try await fixture.send("second", key: "k2")
        fixture.clock.advance(by: 30)
        let failed = try await fixture.send("first", key: "k1")
        #expect(failed.name == "retry")
        let waiting = try await fixture.send("second", key: "k2")
        #expect(waiting.name == "deferred")

        try await fixture.abandon(key: "k1")
        let sent = try await fixture.send("second", key: "k2")
        #expect(sent == .done("sent 1 alert to ops-slack in one message"))
        let sections = try http.requests.last?.decodedBody()["blocks"]?.arrayValue?.filter { $0["type"] == "section" }
        #expect(sections?.map { $0[path: "text.text"] } == ["second"])
    }

    /// A dry run changes no state, this included; the same call for real does.
    @Test func aDryRunAbandonChangesNothing() async throws {
        let fixture = try AlertFixture()
        _ = try await fixture.send("first", key: "k1")
        let before = try await fixture.state.get("groups")
        try await fixture.abandon(key: "k1", dryRun: true)
        let afterDryRun = try await fixture.state.get("groups")
        #expect(before != nil)
        #expect(afterDryRun == before)

        try await fixture.abandon(key: "k1")
        let after = try await fixture.state.get("groups")
        #expect(after != before)
    }

    @Test func aDryRunDecidesAndChangesNothing() async throws {
        let fixture = try AlertFixture(extra: [
            "silences": [["matchers": ["export.uid": "e-2"], "until": "2027-01-01T00:00:00Z", "comment": "known"]]
        ])
        #expect(try await fixture.send("export e-1 failed", key: "k1", dryRun: true) == .done("would alert ops-slack: export e-1 failed"))
        let silenced = try await fixture.send("export e-2 failed", key: "k2", event: .exportFailure("e-2"), dryRun: true)
        #expect(silenced.name == "skipped" && silenced.detail.contains("(known)"))
        fixture.clock.advance(by: 60)
        #expect(try await fixture.send("export e-1 failed", key: "k1", dryRun: true).name == "done")
        #expect(try await fixture.state.get("groups") == nil)
        #expect(try await fixture.state.get(AlertSilence.stateKey) == nil)
        #expect(fixture.http.requests.isEmpty)
    }
}

/// One plugin with a Slack receiver named `ops-slack` (or another kind under that name), its state,
/// a recording HTTP and a clock the test moves by hand.
private struct AlertFixture {
    static let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    let plugin: AlertPlugin
    let state = MemoryPluginState()
    let http: RecordingOutboundHTTP
    let clock = AlertTestClock(start)
    let logger: Logger

    init(
        extra: [String: JSON] = [:],
        http: RecordingOutboundHTTP = RecordingOutboundHTTP(),
        receiver: JSON = ["slack": ["url": .string(AlertPluginTests.slackURL)]],
        logger: Logger = Logger(label: "alert-test") { _ in SwiftLogNoOpLogHandler() }
    ) throws {
        var config: [String: JSON] = ["receivers": ["ops-slack": receiver, "hook": receiver]]
        config.merge(extra) { _, new in new }
        plugin = try AlertPlugin(config: PluginConfig(config))
        self.http = http
        self.logger = logger
    }

    func send(
        _ text: String,
        key: String,
        receiver: String? = nil,
        event: Event = .exportFailure("e-1"),
        parameters: [String: JSON] = [:],
        dryRun: Bool = false
    ) async throws -> ActionOutcome {
        var rendered: [String: JSON] = ["receiver": .string(receiver ?? "ops-slack"), "text": .string(text)]
        rendered.merge(parameters) { _, new in new }
        let context = PluginContext(
            logger: logger,
            config: PluginConfig(),
            dryRun: dryRun,
            idempotencyKey: key,
            state: state,
            http: http,
            now: { [clock] in clock.now }
        )
        return try await plugin.perform(
            ActionRequest(action: "send", parameters: rendered, event: event, rule: "page-on-failed-export"),
            context: context
        )
    }
}

extension AlertFixture {
    /// What the dispatcher does when it gives up on the action `key` without running it.
    func abandon(key: String, dryRun: Bool = false) async throws {
        let context = PluginContext(
            logger: logger,
            config: PluginConfig(),
            dryRun: dryRun,
            idempotencyKey: key,
            state: state,
            now: { [clock] in clock.now }
        )
        try await plugin.abandoned(action: "send", reason: "rule 'page-on-failed-export' is no longer in the config", context: context)
    }

    /// Sends, then opens `gate` whatever came of it, so a sender held at the gate can finish.
    func sendThenOpen(_ gate: AlertSendGate, _ text: String, key: String) async throws -> ActionOutcome {
        defer { gate.open() }
        return try await send(text, key: key)
    }
}

/// Holds requests until opened; the second request to arrive opens it too, so a test with a broken
/// lease fails instead of hanging.
private final class AlertSendGate: Sendable {
    private struct State {
        var isOpen = false
        var arrivals = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    func arrive() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                state.arrivals += 1
                if state.arrivals >= 2 { state.isOpen = true }
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow {
                continuation.resume()
                open()
            }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A clock for `PluginContext.now`, moved only by the test.
private final class AlertTestClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

private struct AlertNetworkError: Error, CustomStringConvertible {
    var url: String
    var description: String { "connection refused to \(url)" }
}

private final class AlertLogRecords: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }
    private let records = Mutex<[Record]>([])
    var all: [Record] { records.withLock { $0 } }
    func append(_ record: Record) { records.withLock { $0.append(record) } }
}

/// Captures log records for one test (no global bootstrap).
private struct AlertCapturingLogHandler: LogHandler {
    let records: AlertLogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        records.append(AlertLogRecords.Record(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
}

extension Event {
    fileprivate static func exportFailure(_ uid: String, project: String = "prod-cats", projectUID: String = "p-1") -> Event {
        Event(
            id: "event-\(uid)",
            type: .exportFailed,
            source: .webhook,
            time: Date(timeIntervalSince1970: 1_767_225_600),
            subject: Event.Subject(kind: "export", uid: uid),
            data: [
                "export": ["uid": .string(uid), "status": "failed", "error": "disk full"],
                "project": ["uid": .string(projectUID), "name": .string(project)],
            ]
        )
    }
}

extension ActionOutcome {
    fileprivate var deferralTime: Date? {
        if case .deferred(let until, _) = self { return until }
        return nil
    }
}

extension OutboundRequest {
    fileprivate func decodedBody() throws -> JSON {
        try JSONDecoder().decode(JSON.self, from: body ?? Data())
    }
}

extension Array {
    /// The single element, or nil when there are none or several.
    fileprivate var soleElement: Element? { count == 1 ? first : nil }
}
