import BotKit
import Testing

@testable import BotEngine

/// Globs: `*`, `?`, sets, ranges, negation, escapes, whole-string matching, in `where` and in `on`.
@Suite struct MatcherGlobTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var pattern: String
        var text: String
        var matches: Bool
        init(_ pattern: String, _ text: String, _ matches: Bool) {
            self.pattern = pattern
            self.text = text
            self.matches = matches
        }
        var testDescription: String { "\(pattern) ~ \(text) → \(matches)" }
    }

    @Test(arguments: [
        Case("prod-*", "prod-cars", true),
        Case("prod-*", "prod-", true),
        Case("prod-*", "dev-prod-cars", false),
        Case("*@acme.ai", "dave@acme.ai", true),
        Case("*@acme.ai", "dave@acme.ai.evil.com", false),
        Case("*@acme.ai", "@acme.ai", true),
        Case("*cars*", "prod-cars-2", true),
        Case("*cars*", "prod-bikes", false),
        Case("p*-c*s", "prod-cars", true),
        Case("p*-c*s", "prod-carts-x", false),
        Case("exact", "exact", true),
        Case("exact", "exactly", false),
        Case("exact", "", false),
        Case("", "", true),
        Case("*", "", true),
        Case("*", "anything.at.all", true),
        Case("export.*", "export.completed", true),
        Case("bot.*", "bot.action.dead_lettered", true),
        Case("?", "a", true),
        Case("?", "", false),
        Case("?", "ab", false),
        Case("a?c", "abc", true),
        Case("a?c", "ac", false),
        Case("é?", "éa", true),
        Case("?x", "éx", true),
        Case("[abc]", "b", true),
        Case("[abc]", "d", false),
        Case("[a-c]x", "bx", true),
        Case("[a-c]x", "dx", false),
        Case("[!a-c]x", "dx", true),
        Case("[!a-c]x", "ax", false),
        Case("[^0-9]*", "x1", true),
        Case("[]a]", "]", true),
        Case("v[0-9][0-9]", "v42", true),
        Case("v[0-9][0-9]", "v4", false),
        Case(#"\*literal"#, "*literal", true),
        Case(#"\*literal"#, "xliteral", false),
        Case("a**b", "axxb", true),
        Case("*a*b*c*", "xxaxxbxxcxx", true),
        Case("*a*b*c*", "xxaxxcxxbxx", false),
        Case("*aab", "aaaab", true),
        Case("a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false),
        // A character is a grapheme cluster: `é` as `e` and a combining accent, a flag, an emoji with a
        // skin tone are each one, for `?`, a set and `*` alike.
        Case("?", "e\u{301}", true),
        Case("caf?", "cafe\u{301}", true),
        Case("caf?x", "cafe\u{301}x", true),
        Case("??", "e\u{301}", false),
        Case("?", "🇫🇷", true),
        Case("??", "🇫🇷", false),
        Case("?", "👍🏽", true),
        Case("[!a-z]", "e\u{301}", true),
        Case("[a-z]", "e\u{301}", false),
        Case("[e\u{301}]", "e\u{301}", true),
        Case("[🇫🇷🇩🇪]", "🇩🇪", true),
        Case("[🇫🇷🇩🇪]", "🇫", false),
        Case("x*", "xe\u{301}", true),
        Case("cafe*", "cafe\u{301}", false),
        Case("*\u{301}", "cafe\u{301}", false),
        Case("*🇷", "🇫🇷", false),
        Case("*e*", "cafe\u{301}s", false),
        Case("*e*", "cafe\u{301}se", true),
        Case("c*e", "cafe\u{301}", false),
        Case("a\r*", "a\r\n", false),
    ])
    func matches(_ testCase: Case) throws {
        let glob = try Glob(testCase.pattern)
        #expect(glob.matches(testCase.text) == testCase.matches)
    }

    @Test(arguments: [
        ("[abc", "bad glob '[abc': unclosed '['"),
        ("x[", "bad glob 'x[': unclosed '['"),
        (#"ab\"#, #"bad glob 'ab\': ends with a lone '\'"#),
        ("[z-a]", "bad glob '[z-a]': range 'z-a' is backwards"),
        ("[e\u{301}-f]", "bad glob '[e\u{301}-f]': range 'e\u{301}-f' has an end of several code points"),
    ])
    func badPatterns(_ pattern: String, _ message: String) {
        #expect(throws: GlobError.self) { try Glob(pattern) }
        do {
            _ = try Glob(pattern)
        } catch {
            #expect(error.description == message)
        }
    }

    /// `on` takes globs: `export.*` routes both export types and nothing else; an unknown type that
    /// matches a glob is routed too.
    @Test(arguments: [
        (EventType.exportCompleted, true), (.exportFailed, true), (.memberJoined, false), ("export.started", true), ("exports.x", false),
    ])
    func onGlob(_ type: EventType, _ routed: Bool) throws {
        let rules = try RuleFixtures.rules(
            """
            rules:
              - name: any-export
                on: export.*
                do:
                  - log: { message: hi }
            """
        )
        #expect(rules.matchingRules(for: RuleFixtures.event(type, data: [:])) == (routed ? ["any-export"] : []))
    }
}
