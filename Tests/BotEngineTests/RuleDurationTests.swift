import BotEngine
import BotKit
import Testing

/// Durations as CONFIG.md writes them (throttle windows, duration parameters).
@Suite struct RuleDurationTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("5m", .seconds(300)), ("1h30m", .seconds(5400)),
        ("7d", .seconds(604_800)), ("1d2h3m4s5ms", .milliseconds(93_784_005)), ("0s", .zero), (" 2h ", .seconds(7200)),
    ])
    func parses(_ text: String, _ expected: Duration) throws {
        #expect(try ConfigDuration.parse(text) == expected)
    }

    @Test(arguments: [
        ("30", "'30' is not a duration: a bare number is ambiguous (write 30s or 30m)"),
        // Fractions are refused with a suggestion that itself parses.
        ("1.5", "'1.5' is not a duration: write whole numbers with units, like 1500ms or 1m30s"),
        ("", "expected a duration like 30s, 5m or 1h30m, found nothing"),
        ("5x", "'5x' is not a duration (expected e.g. 500ms, 30s, 5m, 1h30m, 7d)"),
        ("m", "'m' is not a duration (expected e.g. 500ms, 30s, 5m, 1h30m, 7d)"),
        ("1.5h", "'1.5h' is not a duration: write whole numbers with units, like 1500ms or 1m30s"),
        ("1.5s", "'1.5s' is not a duration: write whole numbers with units, like 1500ms or 1m30s"),
        ("-5m", "'-5m' is not a duration (expected e.g. 500ms, 30s, 5m, 1h30m, 7d)"),
        ("30m1h", "'30m1h' is not a duration: combine units largest first, each once (like 1h30m)"),
        ("1h1h", "'1h1h' is not a duration: combine units largest first, each once (like 1h30m)"),
        // Well formed but too long: said so, with the bound.
        ("99999999999999d", "'99999999999999d' is too long: at most 36500d"),
        ("9007199254740993s", "'9007199254740993s' is too long: at most 36500d"),
        ("36501d", "'36501d' is too long: at most 36500d"),
        ("99999999999999x", "'99999999999999x' is not a duration (expected e.g. 500ms, 30s, 5m, 1h30m, 7d)"),
    ])
    func refuses(_ text: String, _ message: String) {
        #expect(throws: ConfigDurationError(message)) { try ConfigDuration.parse(text) }
    }

    @Test(arguments: [
        (Duration.milliseconds(500), "500ms"), (.seconds(90), "1m30s"), (.seconds(5400), "1h30m"), (.seconds(86_400 * 7), "7d"),
        (.zero, "0s"), (.milliseconds(1500), "1s500ms"),
    ])
    func formats(_ duration: Duration, _ text: String) throws {
        #expect(ConfigDuration.format(duration) == text)
        #expect(try ConfigDuration.parse(text) == duration)
    }
}
