import BotEngine
import BotKit
import Foundation
import Synchronization
import Testing

/// Throttle windows: at most N admissions per window per key, sliding; the same event admitted again
/// without counting twice.
@Suite struct RuleThrottleTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let twoPerMinute = RuleThrottle.Limit(count: 2, per: .seconds(60))

    static func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    @Test func countsPerWindowAndSlides() {
        let throttle = RuleThrottle()
        func admit(_ id: String, _ seconds: Double) -> Bool {
            throttle.admit(rule: "r", key: "p-1", limit: Self.twoPerMinute, eventID: id, now: Self.at(seconds))
        }
        #expect(admit("e1", 0))
        #expect(admit("e2", 10))
        #expect(!admit("e3", 20))
        #expect(!admit("e4", 59.9))
        // e1's admission leaves the window at 60 s: one slot frees up.
        #expect(admit("e5", 60))
        #expect(!admit("e6", 65))
        // e2 leaves at 70 s.
        #expect(admit("e7", 70))
        #expect(!admit("e8", 71))
    }

    @Test func sameEventIsAdmittedAgainWithoutCounting() {
        let throttle = RuleThrottle()
        let limit = RuleThrottle.Limit(count: 1, per: .seconds(300))
        #expect(throttle.admit(rule: "r", key: "", limit: limit, eventID: "e1", now: Self.at(0)))
        // A retry of the same event, a crash and restart, a second action of the same rule.
        #expect(throttle.admit(rule: "r", key: "", limit: limit, eventID: "e1", now: Self.at(10)))
        #expect(throttle.admit(rule: "r", key: "", limit: limit, eventID: "e1", now: Self.at(299)))
        #expect(!throttle.admit(rule: "r", key: "", limit: limit, eventID: "e2", now: Self.at(100)))
        // Outside the window, e1 is a new admission, and counts.
        #expect(throttle.admit(rule: "r", key: "", limit: limit, eventID: "e1", now: Self.at(300)))
        #expect(!throttle.admit(rule: "r", key: "", limit: limit, eventID: "e2", now: Self.at(301)))
    }

    @Test func keysAndRulesHaveTheirOwnWindows() {
        let throttle = RuleThrottle()
        let one = RuleThrottle.Limit(count: 1, per: .seconds(60))
        #expect(throttle.admit(rule: "r", key: "p-1", limit: one, eventID: "e1", now: Self.at(0)))
        #expect(!throttle.admit(rule: "r", key: "p-1", limit: one, eventID: "e2", now: Self.at(1)))
        #expect(throttle.admit(rule: "r", key: "p-2", limit: one, eventID: "e3", now: Self.at(2)))
        #expect(throttle.admit(rule: "other", key: "p-1", limit: one, eventID: "e4", now: Self.at(3)))
    }

    @Test func injectedClockAndWouldAdmit() {
        let now = Mutex(Self.at(0))
        let throttle = RuleThrottle(now: { now.withLock { $0 } })
        let one = RuleThrottle.Limit(count: 1, per: .milliseconds(500))
        #expect(throttle.wouldAdmit(rule: "r", key: "", limit: one, eventID: "e1"))
        #expect(throttle.wouldAdmit(rule: "r", key: "", limit: one, eventID: "e1"))
        #expect(throttle.admit(rule: "r", key: "", limit: one, eventID: "e1"))
        #expect(!throttle.wouldAdmit(rule: "r", key: "", limit: one, eventID: "e2"))
        #expect(throttle.wouldAdmit(rule: "r", key: "", limit: one, eventID: "e1"))
        now.withLock { $0 = Self.at(0.5) }
        #expect(throttle.wouldAdmit(rule: "r", key: "", limit: one, eventID: "e2"))
        #expect(throttle.admit(rule: "r", key: "", limit: one, eventID: "e2"))
    }

    @Test func limitDescription() {
        #expect(Self.twoPerMinute.description == "2 per 1m")
        #expect(RuleThrottle.Limit(count: 5, per: .seconds(5400)).description == "5 per 1h30m")
    }

    static let yaml = """
        rules:
          - name: page
            on: export.failed
            throttle: { count: 1, per: 10m, key: "{{project.uid}}" }
            do:
              - alert: { receiver: ops, text: "{{export.uid}} failed" }
              - log: { message: "paged for {{export.uid}}" }
          - name: unthrottled
            on: export.failed
            do:
              - log: { message: always }
        """

    static func failed(_ id: String, project: String) -> Event {
        RuleFixtures.event(.exportFailed, data: ["export": ["uid": .string("x-\(id)")], "project": ["uid": .string(project)]], id: id)
    }

    /// The rule's actions carry the rendered key; the throttle counts the rule once per event.
    @Test func throughTheRuleSet() throws {
        let rules = try RuleFixtures.rules(Self.yaml)
        #expect(rules.throttleLimits == ["page": RuleThrottle.Limit(count: 1, per: .seconds(600))])
        let throttle = RuleThrottle()

        let first = rules.plan(for: Self.failed("e1", project: "p-1"))
        #expect(
            first.map(\.throttle) == [
                PlannedAction.Throttle(key: "p-1", limit: RuleThrottle.Limit(count: 1, per: .seconds(600))),
                PlannedAction.Throttle(key: "p-1", limit: RuleThrottle.Limit(count: 1, per: .seconds(600))), nil,
            ]
        )
        // plan(for:) alone never counts.
        #expect(rules.plan(for: Self.failed("e0", project: "p-1")).count == 3)

        let admitted = throttle.admit(first, eventID: "e1", now: Self.at(0))
        #expect(admitted.map { "\($0.rule)#\($0.actionIndex)" } == ["page#0", "page#1", "unthrottled#0"])

        // Another failure of the same project within 10 minutes: only the unthrottled rule runs.
        let second = rules.plan(for: Self.failed("e2", project: "p-1"), throttle: throttle, now: Self.at(60))
        #expect(second.map(\.rule) == ["unthrottled"])
        // Another project has its own window.
        let other = rules.plan(for: Self.failed("e3", project: "p-2"), throttle: throttle, now: Self.at(61))
        #expect(other.map(\.rule) == ["page", "page", "unthrottled"])
        // The first event, processed again (a retry), still runs in full.
        let retry = rules.plan(for: Self.failed("e1", project: "p-1"), throttle: throttle, now: Self.at(120))
        #expect(retry.map(\.rule) == ["page", "page", "unthrottled"])
        // After the window, p-1 pages again.
        let later = rules.plan(for: Self.failed("e4", project: "p-1"), throttle: throttle, now: Self.at(601))
        #expect(later.map(\.rule) == ["page", "page", "unthrottled"])
    }

    /// The throttle decides once per event and rule: an event whose steps began (the dispatcher passes
    /// their rules as `decided`) runs again after the window without counting, so it neither takes a
    /// newer event's place nor is throttled by it.
    @Test func aRetryAfterTheWindowIsNeitherThrottledNorCounted() throws {
        let rules = try RuleFixtures.rules(Self.yaml)
        let throttle = RuleThrottle()
        #expect(
            rules.plan(for: Self.failed("e1", project: "p-1"), throttle: throttle, now: Self.at(0)).map(\.rule) == ["page", "page", "unthrottled"]
        )
        // The window has passed: e2 takes the one place.
        #expect(
            rules.plan(for: Self.failed("e2", project: "p-1"), throttle: throttle, now: Self.at(700)).map(\.rule) == ["page", "page", "unthrottled"]
        )
        // e1's retry, long after: its rule was decided when its steps began.
        let retry = rules.plan(for: Self.failed("e1", project: "p-1"), throttle: throttle, now: Self.at(710), decided: ["page"])
        #expect(retry.map(\.rule) == ["page", "page", "unthrottled"])
        // And it took no place: e3 within e2's window is still throttled, e2 again is not.
        #expect(rules.plan(for: Self.failed("e3", project: "p-1"), throttle: throttle, now: Self.at(720)).map(\.rule) == ["unthrottled"])
        #expect(
            rules.plan(for: Self.failed("e2", project: "p-1"), throttle: throttle, now: Self.at(730)).map(\.rule) == ["page", "page", "unthrottled"]
        )
    }

    /// Without `key`, the rule has one window.
    @Test func noKeyIsOneWindow() throws {
        let rules = try RuleFixtures.rules(
            """
            rules:
              - name: once
                on: export.failed
                throttle: { count: 1, per: 1h }
                do: [{ log: { message: x } }]
            """
        )
        let throttle = RuleThrottle()
        #expect(rules.plan(for: Self.failed("e1", project: "p-1"), throttle: throttle, now: Self.at(0)).map(\.throttle?.key) == [""])
        #expect(rules.plan(for: Self.failed("e2", project: "p-2"), throttle: throttle, now: Self.at(1)).isEmpty)
    }
}
