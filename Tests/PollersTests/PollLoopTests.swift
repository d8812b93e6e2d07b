import AvalaAPI
import AvalaSimulator
import BotKit
import InMemoryLogging
import Logging
import Pollers
import TestSupport
import Testing

@testable import BotEngine

@Suite struct PollLoopTests {
    @Test func aRateLimitStormPausesForRetryAfterThenRecovers() async throws {
        // No client retries: every 429 reaches the poller, as a long storm would.
        try await PollerFixture.with(client: PollerFixture.noRetries) { fixture in
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context(failingAfter: 3))
            var loop = PollLoop(poller: poller)
            let baseline = await loop.runCycle()
            #expect(baseline.cycle?.baseline == true)

            await fixture.simulator.injectFault(Fault(pathPrefix: "/organizations/acme-ai/members", status: 429, count: 4, retryAfter: 7))
            var raised: [EventType] = []
            for _ in 0..<4 {
                let step = await loop.runCycle()
                #expect(step.error != nil)
                // The backoff here is at most 100 ms: only Retry-After can make the pause this long.
                #expect(step.delay >= .seconds(7))
                raised += step.raised.map { [$0] } ?? []
            }
            #expect(raised == [.botPollerFailing])
            #expect(loop.failures == 4)

            let recovered = await loop.runCycle()
            #expect(recovered.error == nil)
            #expect(recovered.raised == .botPollerRecovered)
            // Back to the interval (30 s ± 10 %), no longer the rate-limit pause.
            #expect(recovered.delay >= .seconds(27) && recovered.delay <= .seconds(33))
            let steady = await loop.runCycle()
            #expect(steady.raised == nil)

            let failing = try await fixture.events(.botPollerFailing)
            let back = try await fixture.events(.botPollerRecovered)
            #expect(failing.count == 1)
            #expect(back.count == 1)
            #expect(failing.first?.data["poller"]?.stringValue == "members:acme-ai")
            let since = try #require(failing.first?.data["since"]?.stringValue)
            #expect(failing.first?.keys == ["bot.poller.failing:members:acme-ai:\(since)"])
            #expect(back.first?.keys == ["bot.poller.recovered:members:acme-ai:\(since)"])
        }
    }

    @Test func failuresShortOfAnIncidentAreKeptForTheStatusPageUntilACycleSucceeds() async throws {
        try await PollerFixture.with(client: PollerFixture.noRetries) { fixture in
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context(failingAfter: 3))
            let key = PollerHealth.snapshotKey(poller: poller.name)
            var loop = PollLoop(poller: poller)
            _ = await loop.runCycle()
            #expect(try await fixture.store.snapshot(key) == nil)

            await fixture.simulator.injectFault(Fault(pathPrefix: "/organizations/acme-ai/members", status: 503, count: 2))
            for expected in 1...2 {
                let step = await loop.runCycle()
                #expect(step.error != nil && step.raised == nil)
                let health = try await fixture.store.snapshot(key)
                #expect(health?["failures"]?.intValue == expected)
                #expect(health?["failing_since"] == nil)
                #expect(health?["last_error"]?.stringValue?.contains("503") == true, "\(String(describing: health))")
            }
            let recovered = await loop.runCycle()
            #expect(recovered.error == nil && recovered.raised == nil)
            #expect(try await fixture.store.snapshot(key) == nil)

            // Failures a previous process recorded are cleared by this one's first success.
            await fixture.simulator.injectFault(Fault(pathPrefix: "/organizations/acme-ai/members", status: 503, count: 1))
            _ = await loop.runCycle()
            #expect(try await fixture.store.snapshot(key)?["failures"]?.intValue == 1)
            var restarted = PollLoop(poller: poller)
            #expect(await restarted.runCycle().error == nil)
            #expect(try await fixture.store.snapshot(key) == nil)
        }
    }

    /// A server asking for a day's pause (or an overflowing number) pauses a poller at most
    /// `maxRetryAfter`, with a warning, so repeated 429s still count as failures and raise
    /// `bot.poller.failing` in time.
    @Test(arguments: ["86400", "1e21"])
    func aLongRetryAfterIsCutToTheSchedulesBound(_ header: String) async throws {
        try await PollerFixture.with(client: PollerFixture.noRetries) { fixture in
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context(failingAfter: 2))
            var loop = PollLoop(poller: poller)
            _ = await loop.runCycle()
            await fixture.simulator.injectFault(
                Fault(pathPrefix: "/organizations/acme-ai/members", status: 429, count: 2, retryAfterHeader: header)
            )
            var raised: [EventType] = []
            for _ in 0..<2 {
                let step = await loop.runCycle()
                #expect(step.error != nil)
                #expect(step.delay == poller.context.schedule.maxRetryAfter)
                raised += step.raised.map { [$0] } ?? []
            }
            #expect(raised == [.botPollerFailing])
            #expect(fixture.warnings("Retry-After is longer than a poller waits; waiting the longest allowed instead") == 2)
        }
    }

    /// A key with a trailing newline (from a secret file) fails every cycle, and the failure reaches the
    /// log and the `bot.poller.failing` event, which operators and chat see: the key must be in neither,
    /// as is or escaped.
    @Test func aKeyWithANewlineNeverReachesTheFailingEventOrTheLog() async throws {
        let key = SimulatorHarness.testConfiguration().apiKey
        let withNewline: @Sendable (inout AvalaClientConfiguration) -> Void = { $0.apiKey = SecretString(key + "\n") }
        try await PollerFixture.with(client: withNewline) { fixture in
            var loop = PollLoop(poller: MembersPoller(organization: "acme-ai", context: fixture.context(failingAfter: 1)))
            let step = await loop.runCycle()
            #expect(step.raised == .botPollerFailing)
            let failing = try #require(try await fixture.events(.botPollerFailing).first)
            let error = try #require(failing.data["error"]?.stringValue)
            #expect(error.contains("control character"))
            #expect(!error.contains(key))
            #expect(!fixture.harness.renderedLogs.contains(key))
        }
    }

    /// A 200 whose body is broken JSON, or JSON of the wrong shape, fails the cycle with one warning that
    /// says where the body was wrong, and is not retried by the client (the same answer would come back).
    /// A member who joined meanwhile is raised once, by the first cycle that reads a good listing.
    @Test(arguments: [
        (#"{"results": [{"role": "member"}], "next": null}"#, "results[0]"),
        (#"{"results": [{"user_uid": "u1", "role": "member"}"#, "the body is not JSON: Unexpected end of file"),
        ("<html><body>502 Bad Gateway</body></html>", "the body is not JSON: Invalid value around character 0"),
        ("", "the body is empty"),
        (#"[{"user_uid": "u1", "role": 7}]"#, "[0].role"),
    ])
    func aMalformedAnswerFailsTheCycleNamingWhereAndLosesNothing(_ body: String, _ place: String) async throws {
        try await PollerFixture.with { fixture in
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context(failingAfter: 3))
            var loop = PollLoop(poller: poller)
            #expect(await loop.runCycle().cycle?.baseline == true)
            let joined = try await fixture.simulator.addMember(organization: "acme-ai", email: "during.outage@acme.ai")
            await fixture.simulator.clearRequests()
            await fixture.simulator.injectFault(Fault(pathPrefix: "/organizations/acme-ai/members", count: 1, body: body))

            let failed = await loop.runCycle()
            let error = try #require(failed.error as? AvalaError)
            #expect(error.code == .decoding)
            #expect(error.message.contains(place), "\(error.message)")
            #expect(await fixture.simulator.requests().count == 1)
            let warnings = fixture.harness.logs.entries.filter { $0.level == .warning && "\($0.message)" == "Poll failed" }
            #expect(warnings.count == 1)
            #expect(warnings.first.map { "\($0.metadata["error.message"] ?? "")".contains(place) } == true)
            #expect(try await fixture.count(.memberJoined) == 0)

            #expect(await loop.runCycle().error == nil)
            #expect(await loop.runCycle().error == nil)
            let joins = try await fixture.events(.memberJoined)
            #expect(joins.map(\.subject?.uid) == [joined.userUID])
            #expect(fixture.warnings("Poll failed") == 1)
        }
    }

    @Test func anIncidentSurvivesARestart() async throws {
        try await PollerFixture.with(client: PollerFixture.noRetries) { fixture in
            await fixture.simulator.injectFault(Fault(pathPrefix: "/organizations/acme-ai/members", status: 500, count: 2))
            var first = PollLoop(poller: MembersPoller(organization: "acme-ai", context: fixture.context(failingAfter: 2)))
            _ = await first.runCycle()
            let failing = await first.runCycle()
            #expect(failing.raised == .botPollerFailing)

            // A new process picks the open incident up: it raises `recovered`, not a second `failing`.
            let store = try await fixture.reopenedStore()
            var second = PollLoop(poller: MembersPoller(organization: "acme-ai", context: fixture.context(store: store, failingAfter: 2)))
            let recovered = await second.runCycle()
            #expect(recovered.raised == .botPollerRecovered)
            #expect(try await fixture.count(.botPollerFailing) == 1)
            #expect(try await fixture.count(.botPollerRecovered) == 1)
        }
    }

    @Test func storedEventsWakeTheDispatcher() async throws {
        try await PollerFixture.with { fixture in
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context(), emitExisting: true)
            let cycle = try await poller.pollOnce()
            #expect(cycle.stored > 0)
            // A wake with nobody waiting is remembered: the wait returns at once instead of timing out.
            let started = ContinuousClock.now
            await fixture.wake.wait(timeout: .seconds(20))
            #expect(started.duration(to: .now) < .seconds(10))
        }
    }
}
