import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Testing
import WebhookListener

@testable import AvalaBot

/// `check-config`'s findings, asserted verbatim: what an operator reads must say where and what.
@Suite struct ConfigLoaderTests {
    /// A `${…}` value in a rule's parameter is data, not a template: a secret holding `{{` is neither
    /// filled with event data (which then showed around it) nor refused as a bad template at a column
    /// inside it.
    @Test func aReferencedValueInARuleIsNeverATemplate() throws {
        let yaml = """
            rules:
              - { name: f, on: member.joined, do: [{ log: { message: "${TOKEN}" } }, { log: { message: "{{member.email}}" } }] }
            """
        let spliced = ConfigLoader(environment: ["TOKEN": "pa{{member.email}}ss"]).load(yaml: yaml, file: "bot.yaml")
        #expect(spliced.errors.isEmpty, "\(spliced.errors)")
        let event = Event(type: .memberJoined, source: .poller, data: ["member": ["email": "dana@acme.ai"]])
        let messages = spliced.rules.plan(for: event).map { $0.parameters["message"]?.stringValue }
        #expect(messages == ["pa{{member.email}}ss", "dana@acme.ai"], "a template written in the file still renders")
        let unclosed = ConfigLoader(environment: ["TOKEN": "pass{{word"]).load(yaml: yaml, file: "bot.yaml")
        #expect(unclosed.errors.isEmpty, "\(unclosed.errors)")
    }

    /// A throttle key from `${…}` is data too: one key for every event. Said at load, and its value is
    /// never shown in a throttled action's outcome.
    @Test func aReferencedThrottleKeyIsOneWindowAndNeverShown() throws {
        let yaml = """
            rules:
              - name: f
                on: member.joined
                throttle: { count: 1, per: 1h, key: "${KEY}" }
                do: [{ log: { message: hi } }]
            """
        let loaded = ConfigLoader(environment: ["KEY": "tok{{member.email}}en"]).load(yaml: yaml, file: "bot.yaml")
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        #expect(
            loaded.warnings.map(\.description) == [
                "bot.yaml:4 rules[0].throttle.key: warning: a key from a ${…} reference is the same for every event (a reference is"
                    + " never a template): one window for the rule, as without a key; write the template in the file, e.g. key:"
                    + " \"{{project.uid}}\""
            ]
        )
        let event = Event(type: .memberJoined, source: .poller, data: ["member": ["email": "dana@acme.ai"]])
        #expect(loaded.rules.plan(for: event).map { $0.throttle?.key } == [""])
    }

    /// A malformed reference is said once, where it is written: not refused again as the value it is not.
    @Test func aMalformedReferenceIsOneErrorUnderKeysThatCheckTheirText() {
        let yaml = """
            listener: { bind: "${ BIND }", plain_http: true, allow_cidrs: ["${ CIDR }"], verify: { scheme: none } }
            rules:
              - { name: a, on: export.completed, throttle: { count: 1, per: 1h, key: "${ KEY }" }, do: [{ log: { message: hi } }] }
            """
        let malformed =
            "the name in a ${…} reference must be letters, digits and _ only, without spaces: a reference is the whole value,"
            + " written ${NAME} or ${file:/path}"
        #expect(
            Self.diagnostics(yaml) == [
                "bot.yaml:1 listener.allow_cidrs[0]: \(malformed)",
                "bot.yaml:1 listener.bind: \(malformed)",
                "bot.yaml:3 rules[0].throttle.key: \(malformed)",
            ]
        )
    }

    static func diagnostics(_ yaml: String, environment: [String: String] = [:], resolve: Bool = true) -> [String] {
        var loader = ConfigLoader(environment: environment)
        loader.resolveReferences = resolve
        return loader.load(yaml: yaml, file: "bot.yaml").diagnostics.map(\.description)
    }

    @Test(arguments: [
        (
            "listner:\n  bind: 0.0.0.0:8443\n",
            "bot.yaml:1 listner: unknown key 'listner' (did you mean 'listener'?)"
        ),
        (
            "dispatcher:\n  shutdown_grace: 30\n",
            "bot.yaml:2 dispatcher.shutdown_grace: '30' is not a duration: a bare number is ambiguous (write 30s or 30m)"
        ),
        (
            "dispatcher:\n  backoff: { base: 1s, max: ten minutes }\n",
            "bot.yaml:2 dispatcher.backoff.max: 'ten minutes' is not a duration (expected e.g. 500ms, 30s, 5m, 1h30m, 7d)"
        ),
        (
            "api:\n  api_key: \"${NOT_SET_ANYWHERE}\"\n",
            "bot.yaml:2 api.api_key: environment variable NOT_SET_ANYWHERE is not set"
        ),
        (
            // Too many bytes to count is refused, not a crash.
            "listener:\n  plain_http: true\n  max_body: 99999999999999GiB\n",
            "bot.yaml:3 listener.max_body: '99999999999999GiB' is not a size (write e.g. 512KiB, 1MiB, 1MB or a number of bytes)"
        ),
        (
            "api:\n  requests_per_minute: 0\n",
            "bot.yaml:2 api.requests_per_minute: must be at least 1, found 0"
        ),
        // Zero where it means a busy loop, a request that always times out or nothing remembered.
        ("pollers:\n  exports: { every: 0s }\n", "bot.yaml:2 pollers.exports.every: must be longer than 0s"),
        ("api:\n  timeout: 0ms\n", "bot.yaml:2 api.timeout: must be longer than 0s"),
        ("store:\n  key_retention: 0d\n", "bot.yaml:2 store.key_retention: must be longer than 0s"),
        ("api:\n  max_retries: -1\n", "bot.yaml:2 api.max_retries: must be 0 or more, found -1"),
        (
            "listener:\n  plain_http: true\n  per_ip: { rate_per_second: 0 }\n",
            "bot.yaml:3 listener.per_ip.rate_per_second: must be above 0, found 0.0"
        ),
        (
            // The burst beside a refused rate is still read.
            "listener:\n  plain_http: true\n  per_ip:\n    rate_per_second: 0\n    burst: 0\n",
            "bot.yaml:4 listener.per_ip.rate_per_second: must be above 0, found 0.0\nbot.yaml:5 listener.per_ip.burst: must be at least 1, found 0"
        ),
        ("listener:\n  plain_http: true\n  max_body: 0\n", "bot.yaml:3 listener.max_body: must be at least 1 byte: every delivery would be 413"),
        (
            "listener:\n  plain_http: true\n  verify: { tolerance: 0s }\n",
            "bot.yaml:3 listener.verify.tolerance: must be longer than 0s"
        ),
        (
            "plugins:\n  invite: { allowed_domains: [acme.ai], roster: { file: r.csv, organization: o, every: 0s } }\nrules:\n  - { name: r, on: bot.roster.due, do: [invite.reconcile: {}] }\n",
            "bot.yaml:2 plugins.invite.roster.every: must be longer than 0s"
        ),
        (
            "pollers:\n  invitations:\n",
            "bot.yaml:2 pollers.invitations: names no organization to watch: set organization or organizations"
        ),
        // Settings that would be accepted and then do nothing.
        (
            "pollers:\n  invitations:\n    organization: o\n    emit_existing: true\n",
            "bot.yaml:4 pollers.invitations.emit_existing: unknown key 'emit_existing': it applies to pollers.members only"
        ),
        (
            "api: { requests_per_minute: 60 }\nlistener:\n",
            "bot.yaml:2 listener: written with no value: give it tls {cert, key} (or plain_http: true), or leave the section out to run without a listener"
        ),
        (
            "pollers:\n  members: { every: 1m }\n",
            "bot.yaml:2 pollers.members: names no organization to watch: set organization or organizations"
        ),
        (
            "listener:\n  plain_http: true\n  paths: [{ path: /a }]\n  verify: { scheme: github }\n",
            "bot.yaml:4 listener.verify: applies to listener.path only: with paths, give each entry its own verify"
        ),
        (
            "store:\n  postgres: postgres://db/bot\n",
            "bot.yaml:2 store.postgres: a shared PostgreSQL store is not supported by this version: use store.sqlite and run one replica"
        ),
        (
            "log:\n  level: loud\n",
            "bot.yaml:2 log.level: 'loud' is not one of: trace, debug, info, notice, warning, error, critical"
        ),
        (
            "listener:\n  bind: 0.0.0.0:8443\n",
            "bot.yaml:2 listener: needs tls {cert, key}, or plain_http: true behind a terminating proxy"
        ),
        (
            "listener:\n  plain_http: true\n  http2: true\n",
            "bot.yaml:2 listener: http2 needs tls: HTTP/2 is offered by ALPN only, not over plain HTTP (h2c)"
        ),
        (
            "store:\n  sqlite: [a, b]\n",
            "bot.yaml:2 store.sqlite: expected text, found a list"
        ),
        (
            "plugins:\n  export: { request_shape: sdk }\nrules:\n  - name: yolo\n    on: export.completed\n    do:\n      - export: { project: p, format: yolo }\n",
            "bot.yaml:2 plugins.export.request_shape: sdk cannot carry a format, but rule yolo sets one: remove format there or use request_shape docs"
        ),
        (
            "plugins:\n  invite: { allowed_domains: [acme.ai], roster: { file: r.csv, organization: o, every: 1h } }\n",
            "bot.yaml:2 plugins.invite.roster.every: warning: raises bot.roster.due, but no rule runs invite.reconcile: add one with `on: bot.roster.due` and `- invite.reconcile: {}`"
        ),
        (
            "plugins:\n  lgo: {}\n",
            "bot.yaml:2 plugins.lgo: unknown plugin 'lgo' (did you mean 'log'?); available: alert, exec, export, forward, invite, log"
        ),
        (
            "plugins:\n  log:\n    level: info\n",
            "bot.yaml:3 plugins.log.level: unknown key 'level'; it takes no keys"
        ),
        (
            "pollers:\n  exports: { max_pages: 1 }\n  deliveries: { max_pages: 1 }\n",
            "bot.yaml:2 pollers.exports.max_pages: must be at least 2 for exports: one page for new exports, and the rest to catch up on a burst the cap cut"
        ),
        (
            "pollers:\n  members: { organization: acme-ai, every: 1m, emit_existing: yes }\n",
            "bot.yaml:2 pollers.members.emit_existing: expected true or false, found 'yes'"
        ),
        (
            "api:\n  base_url: http://api.example.com/api/v1\n",
            "bot.yaml:2 api.base_url: base URL must use https; plain http is allowed only for localhost, 127.0.0.1 or ::1"
        ),
        (
            "api: [unclosed\n",
            "bot.yaml:1:6: not valid YAML: this [ is never closed: the file ends before its ']'"
        ),
    ])
    func brokenConfigsAreReportedVerbatim(yaml: String, expected: String) {
        // With a webhook secret: a listener section is checked in full, so without one each would add
        // that error too.
        #expect(Self.diagnostics(yaml, environment: ["AVALA_WEBHOOK_SECRET": "s3cret-of-sixteen-bytes"]).joined(separator: "\n") == expected)
    }

    @Test func aGoodConfigHasNoDiagnosticsAndItsDefaults() {
        var loader = ConfigLoader(environment: ["AVALA_API_KEY": "avk_from_env"])
        let loaded = loader.load(yaml: "store: { sqlite: /tmp/x.sqlite }\ndispatcher: { concurrency: 2 }\n", file: "bot.yaml")
        #expect(loaded.diagnostics.isEmpty)
        #expect(loaded.configuration.api.apiKey?.revealed == "avk_from_env")
        #expect(loaded.configuration.api.requestsPerMinute == 90)
        #expect(loaded.configuration.dispatcher.concurrency == 2)
        #expect(loaded.configuration.dispatcher.maxAttempts == 8)
        #expect(loaded.configuration.store.sqlite == "/tmp/x.sqlite")
        #expect(loaded.configuration.store.retention.seconds == 7 * 86_400)
        loader.resolveReferences = true
    }

    /// What the listener would refuse at start, `check-config` reports first, naming the path at fault.
    @Test func listenerSettingsTheListenerWouldRefuseAreReported() {
        let tls = "  tls: { cert: /etc/avala-bot/tls.crt, key: /etc/avala-bot/tls.key }\n"
        func errors(_ listener: String, environment: [String: String] = [:]) -> [String] {
            Self.diagnostics("listener:\n" + tls + listener, environment: environment)
        }
        // No secret: every delivery would be 401 "invalid signature".
        #expect(errors("").first?.contains("verify.secrets has no non-empty secret") == true)
        #expect(errors("  verify: { secrets: [\"${WEBHOOK_SECRET}\"] }\n", environment: ["WEBHOOK_SECRET": ""]).count == 1)
        #expect(errors("", environment: ["AVALA_WEBHOOK_SECRET": "s3cret-of-sixteen-bytes"]) == [])
        // A rotation whose new secret came out empty: its sender's deliveries would all be 401. The
        // variable set but empty is named.
        #expect(
            errors("  verify: { secrets: [\"${OLD}\", \"${NEW}\"] }\n", environment: ["OLD": "s3cret-of-sixteen-bytes", "NEW": ""])
                == ["bot.yaml:3 listener.verify.secrets[1]: ${NEW} is set but empty"]
        )
        // An empty file is still refused by the listener's own check.
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)")
        #expect(FileManager.default.createFile(atPath: empty.path, contents: Data()))
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(
            errors("  verify: { secrets: [\"${OLD}\", \"${file:\(empty.path)}\"] }\n", environment: ["OLD": "s3cret-of-sixteen-bytes"])
                == [
                    "bot.yaml:3 listener.verify: listener path '/webhooks/avala': verify.secrets[1] is empty (an empty file or variable?): fill it or take it out of the list"
                ]
        )
        let open = errors("  verify: { scheme: none }\n")
        #expect(open.count == 1 && open.allSatisfy { $0.contains(": warning: none: anyone who reaches the listener") }, "\(open)")
        let secret = ["AVALA_WEBHOOK_SECRET": "s3cret-of-sixteen-bytes"]
        #expect(
            errors("  verify: { scheme: standard-webhooks, secrets: [whsec_x] }\n")
                == ["bot.yaml:3 listener.verify: listener path '/webhooks/avala': verify.secrets[0] is not a whsec_ base64 key"]
        )
        #expect(errors("  allow_cidrs: [10.0.0.0/33]\n", environment: secret).first?.contains("10.0.0.0/33") == true)
        #expect(errors("  path: /status\n", environment: secret).first?.contains("'/status' is the listener's own route") == true)
        #expect(
            errors("  paths: [{ path: /a }, { path: /a }]\n", environment: secret)
                == ["bot.yaml:3 listener.paths[1].path: listener path '/a' is configured twice"]
        )
        // The router would read these as patterns, or as another path's route, and stop the start.
        for (path, problem) in [
            ("/a/", "must not end with /"), ("/a//b", "must not hold an empty segment (//)"),
            ("/hooks/{x}", "holds '{', which the router reads as a pattern"), ("/open/**", "holds '*', which the router reads as a pattern"),
            ("/a/:id", "has a segment starting with ':'"), ("/a/../b", "must not hold a '..' segment"), ("/a/./b", "must not hold a '.' segment"),
            ("/a b", "holds ' ': write a plain path"), ("/healthz/", "must not end with /"),
        ] {
            let found = errors("  paths: [{ path: \"\(path)\" }]\n", environment: secret)
            #expect(found.count == 1 && found[0].hasPrefix("bot.yaml:3 listener.paths[0].path: listener path '\(path)' \(problem)"), "\(found)")
        }
        #expect(errors("  paths: [{ path: \"/hooks/v1:x/a.b~c@d\" }, { path: /, source: root }]\n", environment: secret) == [])
        // Two senders on one source share their delivery ids' namespace: a warning, the config loads.
        let shared = Self.diagnostics(
            "listener:\n" + tls + "  paths: [{ path: /a }, { path: /b }, { path: /c, source: peer }]\n",
            environment: secret
        )
        #expect(
            shared == [
                "bot.yaml:3 listener.paths: warning: /a, /b share source 'avala', so their delivery ids share one namespace (an id seen on one is a duplicate on the other): give each sender its own source"
            ]
        )
        // With references left unresolved (`--no-env`, simulate, the inspection commands) the default
        // secret is taken to come from the environment.
        #expect(Self.diagnostics("listener:\n" + tls, resolve: false) == [])
    }

    /// `check-config --no-env` still checks everything written out in the listener and the API section;
    /// only the values of references are left to the deployment.
    @Test func noEnvChecksWhatIsWrittenOutAroundReferences() {
        func errors(_ yaml: String) -> [String] { Self.diagnostics(yaml, resolve: false) }
        #expect(
            errors("listener:\n  plain_http: true\n  path: /status\n").first?.contains("'/status' is the listener's own route") == true
        )
        #expect(errors("listener:\n  plain_http: true\n  allow_cidrs: [10.0.0.0/33]\n").first?.contains("10.0.0.0/33") == true)
        #expect(errors("listener:\n  bind: 0.0.0.0\n  plain_http: true\n").first?.contains("listener.bind: must be host:port (0.0.0.0:8443") == true)
        #expect(
            errors("api:\n  base_url: http://api.example.com\n") == ["bot.yaml:2 api.base_url: base URL must use https (got http://api.example.com)"]
                || errors("api:\n  base_url: http://api.example.com\n").first?.hasPrefix("bot.yaml:2 api.base_url:") == true
        )
        // References stand for values to come, in every kind of key.
        let references = """
            api: { base_url: "${BASE}", api_key: "${KEY}", requests_per_minute: "${RPM}", timeout: "${TIMEOUT}" }
            listener:
              bind: "${BIND}"
              plain_http: "${PLAIN}"
              max_body: "${MAX_BODY}"
              allow_cidrs: ["${OFFICE}", 10.0.0.0/8]
              verify: { scheme: standard-webhooks, secrets: ["${WEBHOOK_SECRET}"], tolerance: "${TOLERANCE}" }
            log: { level: "${LEVEL}" }
            plugins: { export: { max_chain_depth: "${DEPTH}" } }
            rules:
              - { name: r, on: export.completed, enabled: "${ON}", throttle: { count: "${COUNT}", per: 1m }, do: [{ log: { message: hi } }] }
            """
        #expect(errors(references) == [], "\(errors(references))")
    }

    /// A poller section written with no value is on with its defaults, like `{}`; only an absent one is off.
    @Test func aPollerWrittenWithNoValueIsOnWithItsDefaults() {
        let loaded = ConfigLoader(environment: [:]).load(yaml: "pollers:\n  exports:\n  projects: {}\n", file: "bot.yaml")
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        #expect(loaded.configuration.pollers.exports != nil)
        #expect(loaded.configuration.pollers.projects != nil)
        #expect(loaded.configuration.pollers.deliveries == nil)
    }

    /// A bad `AVALA_BASE_URL` is named as the variable: there is no key in the file to look for.
    @Test func aBadBaseURLFromTheEnvironmentNamesTheVariable() {
        let messages = Self.diagnostics("log: { level: info }\n", environment: ["AVALA_BASE_URL": "http://api.example.com"])
        #expect(messages.count == 1)
        #expect(messages.first?.hasPrefix("AVALA_BASE_URL: ") == true, "\(messages)")
    }

    /// `${…}` may stand for any value: a number, a boolean, a duration or a size is read from the
    /// referenced text where the key expects one, while text keys keep the value exactly (`0123`).
    @Test func referencesMayHoldNumbersAndBooleans() throws {
        let environment = [
            "RPM": "60", "PLAIN": "true", "TIMEOUT": "45s", "MAX_BODY": "2MiB", "DEPTH": "5", "ON": "false", "COUNT": "3",
            "KEY": "0123", "SECRET": "s3cret-of-sixteen-bytes",
        ]
        let yaml = """
            api: { api_key: "${KEY}", requests_per_minute: "${RPM}", timeout: "${TIMEOUT}" }
            listener: { plain_http: "${PLAIN}", max_body: "${MAX_BODY}", verify: { secrets: ["${SECRET}"] } }
            plugins: { export: { max_chain_depth: "${DEPTH}" } }
            rules:
              - { name: r, on: export.completed, enabled: "${ON}", throttle: { count: "${COUNT}", per: 1m }, do: [{ log: { message: hi } }] }
            """
        let loaded = ConfigLoader(environment: environment).load(yaml: yaml, file: "bot.yaml")
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics.map(\.description))")
        #expect(loaded.configuration.api.requestsPerMinute == 60)
        #expect(loaded.configuration.api.timeout.seconds == 45)
        #expect(loaded.configuration.api.apiKey?.revealed == "0123")
        #expect(loaded.configuration.listener?.plainHTTP == true)
        #expect(loaded.configuration.listener?.maxBody.bytes == 2 * 1_048_576)
        let event = Event(id: "e", type: .exportCompleted, source: .webhook, time: Date(), data: [:])
        #expect(loaded.rules.matchingRules(for: event) == [], "the rule is disabled by ${ON}")
        // A value that is not what the key expects is named by its reference.
        let wrong = ConfigLoader(environment: environment.merging(["RPM": "sixty"]) { $1 }).load(yaml: yaml, file: "bot.yaml")
        #expect(wrong.diagnostics.map(\.description) == ["bot.yaml:1 api.requests_per_minute: expected a whole number, found the value of ${RPM}"])
    }

    /// A referenced value may be a secret: no message shows it, whichever check wrote the message.
    @Test func referencedValuesNeverAppearInMessages() {
        let secret = "whsec-not-base64-but-very-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
        let environment = ["SECRET": secret, "SLACK": secret, "COUNT": secret, "MODE": secret]
        let yaml = """
            listener: { plain_http: true, verify: { secrets: "${SECRET}" } }
            plugins:
              export: { request_shape: "${MODE}" }
              alert: { receivers: { ops: { slack: { url: "${SLACK}" } } } }
            rules:
              - { name: r, on: export.completed, throttle: { count: "${COUNT}", per: 1m }, do: [{ log: { message: hi } }] }
              - { name: s, on: export.completed, do: [{ invite: { organization: o, email: a@b.c, role: "${MODE}" } }] }
            """
        let messages = ConfigLoader(environment: environment).load(yaml: yaml, file: "bot.yaml").diagnostics.map(\.description)
        #expect(messages.count >= 4, "\(messages)")
        #expect(messages.contains("bot.yaml:1 listener.verify.secrets: expected a list, found the value of ${SECRET}"), "\(messages)")
        for message in messages {
            #expect(!message.contains(String(secret.prefix(20))), "\(message)")
        }
    }

    /// A short referenced value is not shown either where a check quotes the value it refused (a number,
    /// a duration without a unit); other text that merely holds the same characters is left alone. A
    /// duration's hint is never built from a reference (`write ${PER}s`): its value must be a duration,
    /// and the examples in that message stay as written even where they read like the value (`30`).
    @Test func shortReferencedValuesAreNotShownInTheMessagesAboutThem() {
        let environment = ["MR": "-33333", "EV": "55555", "CNT": "abcdef", "PER": "7", "GW": "30"]
        let yaml = """
            api: { api_key: k, max_retries: "${MR}" }
            pollers:
              members: { organization: acme, every: "${EV}" }
            plugins:
              alert: { receivers: { s: { log: {} } } }
            rules:
              - name: r
                on: member.joined
                throttle: { count: "${CNT}", per: "${PER}" }
                do:
                  - alert: { receiver: s, text: hi, group_wait: "${GW}" }
            """
        let messages = ConfigLoader(environment: environment).load(yaml: yaml, file: "bot.yaml").diagnostics.map(\.description)
        let mustBeADuration = "is not a duration: it must be whole numbers with units, like 500ms, 30s, 5m, 1h30m or 7d (at most 36500d)"
        #expect(
            messages == [
                "bot.yaml:1 api.max_retries: must be 0 or more, found ${MR}",
                "bot.yaml:3 pollers.members.every: the value of ${EV} \(mustBeADuration)",
                "bot.yaml:9 rules[0].throttle.count: expected a positive whole number, found \"${CNT}\"",
                "bot.yaml:9 rules[0].throttle.per: the value of ${PER} \(mustBeADuration)",
                "bot.yaml:11 rules[0].do[0].alert.group_wait: the value of ${GW} \(mustBeADuration)",
            ],
            "\(messages)"
        )
        #expect(ConfigSource.Loaded.Redactor.replacingWhole("7", with: "${N}", in: "7 of 17 (7s, x7, 7_a)") == "${N} of 17 (${N}s, x7, 7_a)")
        // A number the check shows as it read it (-3 as -3.0) is replaced in that form too.
        let rate = ConfigLoader(environment: ["RPS": "-3", "AVALA_WEBHOOK_SECRET": "s3cret-of-sixteen-bytes"])
            .load(yaml: "listener:\n  plain_http: true\n  per_ip: { rate_per_second: \"${RPS}\" }\n", file: "bot.yaml")
            .diagnostics.map(\.description)
        #expect(rate == ["bot.yaml:3 listener.per_ip.rate_per_second: must be above 0, found ${RPS}"], "\(rate)")
    }

    /// Where one referenced value starts another, the longer is replaced whole (the shorter one's
    /// reference followed by the rest would show the rest); a long value shortened by a message is
    /// replaced too.
    @Test func theLongestReferencedValueIsReplacedWhole() throws {
        let long = String(repeating: "0123456789", count: 8)
        let environment = ["SHORT": "whsec_abcdefgh", "LONGER": "whsec_abcdefgh_and_the_rest", "LONG": long]
        let loaded = try ConfigSource(environment: environment).parse("a: ${SHORT}\nb: ${LONGER}\nc: ${LONG}\n", file: "bot.yaml")
        #expect(
            loaded.redacted("sent whsec_abcdefgh_and_the_rest, whsec_abcdefgh and \(long); cut: \(long.prefix(60))…, \(long.prefix(40))…")
                == "sent ${LONGER}, ${SHORT} and ${LONG}; cut: ${LONG}…, ${LONG}…"
        )
        // Fewer than 8 characters, and the text around a value, are left alone.
        #expect(loaded.redacted("whsec_abcdefg0123456") == "whsec_abcdefg0123456")
    }

    /// `check-config --no-env` leaves `${…}` in rule parameters and throttles to the run, which checks the
    /// value then; with the environment the same values are checked at load.
    @Test func noEnvLeavesReferencesInRuleParametersToTheRun() {
        let yaml = """
            api: { api_key: k }
            plugins:
              invite: { allowed_domains: [acme.ai] }
              alert: { receivers: { s: { log: {} } } }
            rules:
              - name: r
                on: member.joined
                throttle: { count: "${CNT}", per: "${PER}" }
                do:
                  - invite: { organization: o, email: "{{member.email}}", role: "${ROLE}" }
                  - alert: { receiver: s, text: hi, group_wait: "${GW}", group_by: ["${BY}"] }
            """
        #expect(Self.diagnostics(yaml, resolve: false) == [])
        let resolved = ConfigLoader(environment: ["CNT": "2", "PER": "1h", "ROLE": "boss", "GW": "soon", "BY": "nope"])
            .load(yaml: yaml, file: "bot.yaml").diagnostics.map(\.description)
        #expect(resolved.contains { $0.hasPrefix("bot.yaml:10 rules[0].do[0].invite.role: '${ROLE}' is not one of") }, "\(resolved)")
        #expect(
            resolved.contains { $0.hasPrefix("bot.yaml:11 rules[0].do[1].alert.group_wait: the value of ${GW} is not a duration") },
            "\(resolved)"
        )
    }

    /// A `where` operator's value written as a reference is checked once it is resolved (`--no-env`
    /// passes it), and then read as if written plainly: `gt: ${MIN}` holding `2` is the number 2, and
    /// `exists: ${MUST}` holding `true` the boolean.
    @Test func whereOperatorsTakeReferences() throws {
        let yaml = """
            api: { api_key: k }
            rules:
              - name: r
                on: export.completed
                where:
                  export.n: { gt: "${MIN_N}" }
                  export.flag: { exists: "${MUST}" }
                  export.code: { regex: "${CODE_RE}", glob: "${CODE_GLOB}" }
                do: [{ log: { message: hi } }]
            """
        #expect(Self.diagnostics(yaml, resolve: false) == [])
        let environment = ["MIN_N": "2", "MUST": "true", "CODE_RE": "^c[0-9]+$", "CODE_GLOB": "c*"]
        let loaded = ConfigLoader(environment: environment).load(yaml: yaml, file: "bot.yaml")
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        func matches(_ body: JSON) -> Bool {
            let event = EventNormalizer.normalize(type: .exportCompleted, body: body, source: "test", deliveryID: nil)
            return !loaded.rules.matchingRules(for: event).isEmpty
        }
        #expect(matches(["n": 3, "flag": "x", "code": "c12"]))
        #expect(!matches(["n": 2, "flag": "x", "code": "c12"]))
        #expect(!matches(["n": 3, "code": "c12"]))
        #expect(!matches(["n": 3, "flag": "x", "code": "d12"]))
        let wrong = Self.diagnostics(yaml, environment: environment.merging(["MUST": "perhaps-so"]) { $1 })
        #expect(wrong == ["bot.yaml:7 rules[0].where.export.flag: exists: expected true or false"], "\(wrong)")
    }

    /// A key written twice in one mapping is reported at the second, with its key path, and the rest of
    /// the file is still checked.
    @Test func aKeyWrittenTwiceIsReportedWhereItIsWrittenAgain() {
        let yaml = """
            api: { api_key: "k", api_key: "j" }
            rules:
              - name: a
                "on": export.completed
                'on': export.failed
                do: [{ log: { message: hi } }]
              - name: b
                on: export.completed
                do:
                  - log:
                      message: x
                      # a comment between
                      message: y
                      nope: 1
            """
        let found = Self.diagnostics(yaml)
        #expect(
            found == [
                "bot.yaml:1 api.api_key: key 'api_key' is written twice in one mapping (first on line 1); this one is left out",
                "bot.yaml:5 rules[0].on: key 'on' is written twice in one mapping (first on line 4); this one is left out",
                "bot.yaml:13 rules[1].do[0].log.message: key 'message' is written twice in one mapping (first on line 11); this one is left out",
                "bot.yaml:14 rules[1].do[0].log.nope: unknown parameter 'nope' of log.write (expected one of: message, level)",
            ],
            "\(found)"
        )
    }

    /// `listener.http2`: on by default with TLS, off when set so, and never on for plain HTTP (no h2c).
    @Test func http2IsOnWithTLSUnlessTurnedOff() throws {
        func http2(_ listener: String) throws -> Bool? {
            let loaded = ConfigLoader(environment: ["AVALA_WEBHOOK_SECRET": "s3cret-of-sixteen-bytes"]).load(
                yaml: "listener:\n" + listener,
                file: "bot.yaml"
            )
            #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
            return try loaded.configuration.listener?.listenerConfiguration(defaultSecret: nil).http2
        }
        let tls = "  tls: { cert: /etc/avala-bot/tls.crt, key: /etc/avala-bot/tls.key }\n"
        #expect(try http2(tls) == true)
        #expect(try http2(tls + "  http2: false\n") == false)
        #expect(try http2("  plain_http: true\n") == false)
        #expect(try http2("  plain_http: true\n  http2: false\n") == false)
    }

    @Test func referencesAreResolvedAfterParsingSoTheyCannotInjectYAML() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)")
        try Data("line-one\nline-two: injected\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let loaded = ConfigLoader(environment: ["KEY": "a: b\nc: d"]).load(
            yaml: "api:\n  api_key: ${KEY}\nstore:\n  sqlite: \"${file:\(file.path)}\"\n",
            file: "bot.yaml"
        )
        // The value stays one scalar; the only finding is that a key with a newline cannot be sent.
        #expect(loaded.diagnostics.map(\.description) == ["bot.yaml:2 api.api_key: \(Self.keyWithControlCharacter)"])
        #expect(loaded.configuration.api.apiKey?.revealed == "a: b\nc: d")
        // One trailing newline is removed; the rest is kept verbatim.
        #expect(loaded.configuration.store.sqlite == "line-one\nline-two: injected")
    }

    @Test func noEnvListsTheVariablesInsteadOfFailing() {
        var loader = ConfigLoader(environment: [:])
        loader.resolveReferences = false
        let loaded = loader.load(yaml: "api:\n  api_key: ${AVALA_API_KEY}\nstore:\n  sqlite: ${DB_PATH}\n", file: "bot.yaml")
        #expect(loaded.diagnostics.isEmpty)
        #expect(loaded.variables == ["AVALA_API_KEY", "DB_PATH"])
    }

    @Test func noEnvAcceptsReferencesInPluginURLsAndSecretsButResolvedValuesAreChecked() {
        let yaml = """
            plugins:
              alert: { receivers: { ops: { slack: { url: "${SLACK_URL}" } } } }
              forward: { targets: { peer: { url: "${PEER_URL}", secret: "${PEER_SECRET}" } } }
            """
        var loader = ConfigLoader(environment: [:])
        loader.resolveReferences = false
        let unresolved = loader.load(yaml: yaml, file: "bot.yaml")
        #expect(unresolved.diagnostics.isEmpty, "\(unresolved.diagnostics)")
        #expect(unresolved.variables == ["SLACK_URL", "PEER_URL", "PEER_SECRET"])
        let resolved = ConfigLoader(environment: ["SLACK_URL": "nope", "PEER_URL": "https://peer.example", "PEER_SECRET": "whsec_AAAA"])
            .load(yaml: yaml, file: "bot.yaml")
        #expect(
            resolved.diagnostics.map(\.description) == ["bot.yaml:2 plugins.alert.receivers.ops.slack.url: expected an http or https URL with a host"]
        )
    }

    @Test(arguments: ["onboarding.yaml", "chained-exports.yaml", "ops-alerting.yaml"])
    func theExampleConfigsCheck(file: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var loader = ConfigLoader(environment: [:])
        loader.resolveReferences = false
        let loaded = loader.load(path: root.appendingPathComponent("config/examples/\(file)").path)
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics.map(\.description))")
        #expect(loaded.rules.count >= 3)
    }

    /// A key with a control character (an env var filled from a secret file with its newline) cannot be
    /// sent as a header: check-config says so without quoting the key.
    static let keyWithControlCharacter =
        "the API key contains a control character (often a trailing newline from a secret file); remove it"

    @Test func aKeyThatIsNotAHeaderValueIsReportedWithoutTheKey() {
        #expect(
            Self.diagnostics("api:\n  api_key: ${KEY}\n", environment: ["KEY": "avk_from_secret_file\n"])
                == ["bot.yaml:2 api.api_key: \(Self.keyWithControlCharacter)"]
        )
        #expect(Self.diagnostics("store: { sqlite: /tmp/x.sqlite }\n", environment: ["AVALA_API_KEY": "avk_from_secret_file\n"]).count == 1)
        #expect(
            Self.diagnostics("api:\n  api_key: \" avk_from_secret_file\"\n")
                == ["bot.yaml:2 api.api_key: the API key begins or ends with a space; remove it"]
        )
    }

    @Test func secretsNeverPrint() {
        let loaded = ConfigLoader(environment: [:]).load(
            yaml: "api:\n  api_key: avk_do_not_print_me\n",
            file: "bot.yaml"
        )
        #expect(loaded.configuration.api.apiKey?.revealed == "avk_do_not_print_me")
        #expect(!"\(loaded.configuration.api)".contains("avk_do_not_print_me"))
    }

    @Test func everyKeyOfTheReferenceIsAccepted() {
        let yaml = """
            api: { base_url: "https://api.avala.ai/api/v1", api_key: k, requests_per_minute: 90, burst: 20, max_retries: 5, timeout: 30s, max_concurrency: 4 }
            listener:
              bind: "0.0.0.0:8443"
              paths:
                - { path: /webhooks/avala, source: avala, format: avala, verify: { scheme: avala, secrets: [first-secret-16-bytes, second-secret-16-bytes], tolerance: 5m } }
                - { path: /webhooks/bot, source: peer, format: avala-bot, verify: { scheme: standard-webhooks, secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw] } }
              tls: { cert: /etc/avala-bot/tls.crt, key: /etc/avala-bot/tls.key, client_ca: /etc/ca.pem, min_version: "1.3" }
              plain_http: false
              http2: true
              max_body: 1MiB
              request_timeout: 10s
              per_ip: { rate_per_second: 50, burst: 100 }
              allow_cidrs: [10.0.0.0/8]
              trusted_proxies: [10.0.0.1/32]
              status_page: true
            pollers:
              exports: { every: 30s, max_pages: 50 }
              projects: { every: 2m, progress_thresholds: [50, 100], min_acceptance_rate: 0.9 }
              members: { organizations: [acme-ai, acme-labelers], every: 1m, emit_existing: false }
              invitations: { organization: acme-ai, every: 2m }
              deliveries: { every: 5m }
            store: { sqlite: ./data/avala-bot.sqlite, retention: 7d, key_retention: 30d }
            dispatcher: { concurrency: 8, max_attempts: 8, backoff: { base: 1s, max: 10m }, shutdown_grace: 20s }
            plugins:
              log: {}
            rules: []
            log: { level: info, format: logfmt }
            """
        #expect(Self.diagnostics(yaml) == [])
    }
}
