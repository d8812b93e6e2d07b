import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Testing
import WebhookListener

@testable import AvalaBot

/// `check-config`'s findings, asserted verbatim: what an operator reads must say where and what.
@Suite struct ConfigLoaderTests {
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
            "listener:\n  max_body: 99999999999999GiB\n",
            "bot.yaml:2 listener.max_body: '99999999999999GiB' is not a size (write e.g. 512KiB, 1MiB, 1MB or a number of bytes)"
        ),
        (
            "api:\n  requests_per_minute: 0\n",
            "bot.yaml:2 api.requests_per_minute: must be at least 1, found 0"
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
            "pollers:\n  members: { organization: acme-ai, every: 1m, emit_existing: yes }\n",
            "bot.yaml:2 pollers.members.emit_existing: expected true or false, found 'yes'"
        ),
        (
            "api:\n  base_url: http://api.example.com/api/v1\n",
            "bot.yaml:2 api.base_url: base URL must use https; plain http is allowed only for localhost, 127.0.0.1 or ::1"
        ),
        (
            "api: [unclosed\n",
            "bot.yaml:2: not valid YAML: while parsing a flow sequence: did not find expected ',' or ']'"
        ),
    ])
    func brokenConfigsAreReportedVerbatim(yaml: String, expected: String) {
        #expect(Self.diagnostics(yaml) == [expected])
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
        #expect(errors("", environment: ["AVALA_WEBHOOK_SECRET": "s3cret"]) == [])
        #expect(errors("  verify: { scheme: none }\n") == [])
        let secret = ["AVALA_WEBHOOK_SECRET": "s3cret"]
        #expect(
            errors("  verify: { scheme: standard-webhooks, secrets: [whsec_x] }\n")
                == ["bot.yaml:2 listener: listener path '/webhooks/avala': verify.secrets[0] is not a whsec_ base64 key"]
        )
        #expect(errors("  allow_cidrs: [10.0.0.0/33]\n", environment: secret).first?.contains("10.0.0.0/33") == true)
        #expect(errors("  path: /status\n", environment: secret).first?.contains("'/status' is the listener's own route") == true)
        #expect(
            errors("  paths: [{ path: /a }, { path: /a }]\n", environment: secret)
                == ["bot.yaml:2 listener: listener path '/a' is configured twice"]
        )
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
        // With references left unresolved (simulate, the inspection commands) nothing is checked.
        #expect(Self.diagnostics("listener:\n" + tls, resolve: false) == [])
    }

    /// `listener.http2`: on by default with TLS, off when set so, and never on for plain HTTP (no h2c).
    @Test func http2IsOnWithTLSUnlessTurnedOff() throws {
        func http2(_ listener: String) throws -> Bool? {
            let loaded = ConfigLoader(environment: ["AVALA_WEBHOOK_SECRET": "s3cret"]).load(yaml: "listener:\n" + listener, file: "bot.yaml")
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
        let loaded = loader.load(yaml: "api:\n  api_key: ${AVALA_API_KEY}\nstore:\n  postgres: ${PG_URL}\n", file: "bot.yaml")
        #expect(loaded.diagnostics.isEmpty)
        #expect(loaded.variables == ["AVALA_API_KEY", "PG_URL"])
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
            yaml: "api:\n  api_key: avk_do_not_print_me\nstore:\n  postgres: postgres://u:pw@db/bot\n",
            file: "bot.yaml"
        )
        #expect(!"\(loaded.configuration.api)".contains("avk_do_not_print_me"))
        #expect(!"\(loaded.configuration.store)".contains("pw@db"))
    }

    @Test func everyKeyOfTheReferenceIsAccepted() {
        let yaml = """
            api: { base_url: "https://api.avala.ai/api/v1", api_key: k, requests_per_minute: 90, burst: 20, max_retries: 5, timeout: 30s, max_concurrency: 4 }
            listener:
              bind: "0.0.0.0:8443"
              paths:
                - { path: /webhooks/avala, source: avala, format: avala, verify: { scheme: avala, secrets: [s1, s2], tolerance: 5m } }
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
