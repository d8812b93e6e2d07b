import ArgumentParser
import BotEngine
import BotKit
import Foundation
import GRDB
import TestSupport
import Testing

@testable import AvalaBot

/// What a user walkthrough found `check-config` let through, or reported badly: each finding names the
/// file, line and key path, and one run reports all of them.
@Suite struct ConfigCheckTests {
    static func diagnostics(_ yaml: String, environment: [String: String] = [:], resolve: Bool = true, deployment: Bool = false) -> [String] {
        var loader = ConfigLoader(environment: environment)
        loader.resolveReferences = resolve
        loader.checkDeployment = deployment
        return loader.load(yaml: yaml, file: "bot.yaml").diagnostics.map(\.description)
    }

    static let namedThings = """
        plugins:
          alert: { receivers: { journal: { log: {} } } }
          exec: { commands: { notify: { path: /bin/sh } } }
          forward: { targets: { peer: { url: "https://peer.example", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" } } }
        rules:
          - { name: a, on: export.failed, do: [{ alert: { receiver: nope, text: hi } }] }
          - { name: b, on: export.failed, do: [{ exec: { command: nope } }] }
          - { name: c, on: export.failed, do: [{ log: { message: hi } }, { forward: { target: nope2 } }] }
          - { name: d, on: export.failed, do: [{ alert: { receiver: "{{export.uid}}", text: hi } }, { exec: { command: notify } }] }
        """

    /// A typo in a receiver, command or target name must not silently disable a rule: it is an error at
    /// the parameter's line. A templated name that may render any name is known only when the action
    /// runs (`TemplatedNameTests` has those with a literal start or end).
    @Test func literalNamesTheirPluginDoesNotConfigureAreErrors() {
        #expect(
            Self.diagnostics(Self.namedThings) == [
                "bot.yaml:6 rules[0].do[0].alert.receiver: unknown receiver 'nope'; configured: journal",
                "bot.yaml:7 rules[1].do[0].exec.command: unknown command 'nope'; configured: notify",
                "bot.yaml:8 rules[2].do[1].forward.target: unknown target 'nope2'; configured: peer",
            ]
        )
    }

    /// A command whose required `path` is refused both as written and as missing is set aside as a whole,
    /// so that the plugin is still built: the rules' other commands are checked in the same run, and a
    /// rule naming the set-aside command is not told it is unknown.
    @Test func aCommandWithABadRequiredKeyIsSetAsideAndTheRestChecked() {
        let yaml = """
            plugins:
              exec: { commands: { broken: { path: relative/tool }, notify: { path: /bin/sh } } }
            rules:
              - { name: a, on: export.failed, do: [{ exec: { command: nope } }] }
              - { name: b, on: export.failed, do: [{ exec: { command: broken } }, { exec: { command: notify } }] }
            """
        #expect(
            Self.diagnostics(yaml) == [
                "bot.yaml:2 plugins.exec.commands.broken.path: must be an absolute path (starting with /)",
                // The set-aside command is written: the list of what is configured says so.
                "bot.yaml:4 rules[0].do[0].exec.command: unknown command 'nope'; configured: notify (besides broken, refused above)",
            ]
        )
    }

    /// A command without a path, or with one that is not there, still has its other keys checked: the
    /// run that says the path is missing says what else is wrong with the command too.
    @Test func aCommandWithoutAPathHasItsOtherProblemsReported() {
        let yaml = """
            plugins:
              exec:
                commands:
                  notify: { args: { a: 1 }, env: { "X=Y": 1 }, timeout: 0s, bogus: 1 }
                  other: { path: /nonexistent/tool, timeout: 0s }
            """
        let found = Self.diagnostics(yaml)
        #expect(
            found == [
                "bot.yaml:4 plugins.exec.commands.notify.args: expected a list of strings, numbers or true/false",
                "bot.yaml:4 plugins.exec.commands.notify.bogus: unknown key 'bogus'; known: path, args, env, timeout",
                "bot.yaml:4 plugins.exec.commands.notify.env.X=Y: not a valid environment variable name",
                "bot.yaml:4 plugins.exec.commands.notify.path: required: the absolute path of the program to run",
                "bot.yaml:4 plugins.exec.commands.notify.timeout: must be longer than 0s",
                "bot.yaml:5 plugins.exec.commands.other.path: /nonexistent/tool does not exist",
                "bot.yaml:5 plugins.exec.commands.other.timeout: must be longer than 0s",
            ],
            "\(found)"
        )
    }
    /// With its environment, `check-config` reads the listener's files as `run` would, and says what is
    /// wrong with each at its key.
    @Test func theListenerTLSFilesAreReadWithTheEnvironment() async throws {
        // Further from its end than the expiry warning's 14 days: only what is wrong is said.
        let certificates = try await TestCertificates.make(days: 30)
        defer { certificates.remove() }
        let environment = ["AVALA_API_KEY": "avk_test", "AVALA_WEBHOOK_SECRET": "s3cret-of-sixteen-bytes"]
        func errors(cert: String, key: String, clientCA: String? = nil) -> [String] {
            let ca = clientCA.map { ", client_ca: \"\($0)\"" } ?? ""
            return Self.diagnostics(
                "listener:\n  bind: 127.0.0.1:0\n  tls: { cert: \"\(cert)\", key: \"\(key)\"\(ca) }\n",
                environment: environment,
                deployment: true
            )
        }
        let cert = certificates.certificatePath
        let key = certificates.keyPath
        let missing = certificates.directory.appendingPathComponent("missing.crt").path
        #expect(errors(cert: cert, key: key, clientCA: certificates.clientCertificatePath) == [])
        #expect(errors(cert: missing, key: key) == ["bot.yaml:3 listener.tls.cert: '\(missing)': no such file"])
        #expect(
            errors(cert: key, key: key) == [
                "bot.yaml:3 listener.tls.cert: '\(key)' is not a PEM certificate (it holds a private key: is it listener.tls.key's file?)"
            ]
        )
        #expect(
            errors(cert: cert, key: cert) == [
                "bot.yaml:3 listener.tls.key: '\(cert)' is not a PEM private key (it holds a certificate: is it listener.tls.cert's file?)"
            ]
        )
        #expect(
            errors(cert: cert, key: certificates.clientKeyPath) == [
                "bot.yaml:3 listener.tls.key: '\(certificates.clientKeyPath)' is not the key of the certificate in listener.tls.cert '\(cert)'"
            ]
        )
        #expect(errors(cert: cert, key: key, clientCA: missing) == ["bot.yaml:3 listener.tls.client_ca: '\(missing)': no such file"])
        // An expired certificate would be refused by every client: an error, not an OK.
        let expired = certificates.directory.appendingPathComponent("expired.crt").path
        try await certificates.makeExpiredCertificate(at: expired)
        let expiredErrors = errors(cert: expired, key: key)
        #expect(expiredErrors.count == 1)
        #expect(expiredErrors.first?.hasPrefix("bot.yaml:3 listener.tls.cert: '\(expired)' expired at ") == true)
        #expect(expiredErrors.first?.hasSuffix(": every client would refuse it; renew it") == true)
        // Without its environment the paths may be the deployment's: they are not read.
        #expect(Self.diagnostics("listener:\n  tls: { cert: \"\(missing)\", key: \"\(missing)\" }\n", resolve: false) == [])
    }

    /// A certificate within 14 days of its end works today but has missed a renewal: `check-config` warns
    /// as the running listener does (path, date, time left), not an error, and says nothing further out.
    @Test func aListenerCertificateThatExpiresSoonIsAWarning() async throws {
        let soon = try await TestCertificates.make(days: 2)
        defer { soon.remove() }
        let later = try await TestCertificates.make(days: 15)
        defer { later.remove() }
        func diagnostics(_ certificates: TestCertificates) -> [String] {
            Self.diagnostics(
                "listener:\n  bind: 127.0.0.1:0\n  tls: { cert: \"\(certificates.certificatePath)\", key: \"\(certificates.keyPath)\" }\n",
                environment: ["AVALA_API_KEY": "avk_test", "AVALA_WEBHOOK_SECRET": "s3cret-of-sixteen-bytes"],
                deployment: true
            )
        }
        let warnings = diagnostics(soon)
        #expect(warnings.count == 1)
        let warning = try #require(warnings.first)
        #expect(warning.hasPrefix("bot.yaml:3 listener.tls.cert: warning: '\(soon.certificatePath)' expires at 20"))
        // `openssl -days 2` from a moment ago: a few minutes under two days are left.
        #expect(warning.contains(", in 1d23h"))
        #expect(warning.hasSuffix(": renew it, then send SIGHUP to a running bot"))
        #expect(diagnostics(later) == [])
    }

    /// A file with no section is valid but does nothing, and a reload refuses it (a file caught while it
    /// is rewritten): `check-config` says so, and `rules: []` is the way to mean it.
    @Test func aConfigWithNoSectionIsAWarning() {
        let warning =
            "bot.yaml: warning: has no section: the bot would do nothing, and a reload refuses such a file; to run without rules, write `rules: []`"
        #expect(Self.diagnostics("") == [warning])
        #expect(Self.diagnostics("# nothing yet\n") == [warning])
        #expect(Self.diagnostics("rules: []\n") == [])
    }

    /// One run reports every error, not only the first: across sections, within one, and in the listener.
    @Test func everyErrorIsReportedInOneRun() {
        #expect(
            Self.diagnostics("pollers:\n  exports: { every: 5x }\ndispatcher:\n  max_attempts: 0\n  concurrency: 0\n") == [
                "bot.yaml:2 pollers.exports.every: '5x' is not a duration (expected e.g. 500ms, 30s, 5m, 1h30m, 7d)",
                "bot.yaml:4 dispatcher.max_attempts: must be at least 1, found 0",
                "bot.yaml:5 dispatcher.concurrency: must be at least 1, found 0",
            ]
        )
        #expect(
            Self.diagnostics("api:\n  burts: 3\n  timeot: 1s\n") == [
                "bot.yaml:2 api.burts: unknown key 'burts' (did you mean 'burst'?)",
                "bot.yaml:3 api.timeot: unknown key 'timeot' (did you mean 'timeout'?)",
            ]
        )
        // Every reference the environment cannot resolve, not only the first.
        #expect(
            Self.diagnostics("api:\n  api_key: \"${UNSET_ONE}\"\nstore:\n  sqlite: \"${UNSET_TWO}\"\n") == [
                "bot.yaml:2 api.api_key: environment variable UNSET_ONE is not set",
                "bot.yaml:4 store.sqlite: environment variable UNSET_TWO is not set",
            ]
        )
        let listener = """
            listener:
              plain_http: true
              paths:
                - { path: wh1, source: one, verify: { scheme: none } }
                - { path: wh2, source: two, verify: { scheme: none } }
              allow_cidrs: [10.0.0.0/8, 10.0.0.0/33]
            """
        let messages = Self.diagnostics(listener)
        #expect(messages.count == 3, "\(messages)")
        #expect(
            messages.prefix(2) == [
                "bot.yaml:4 listener.paths[0].path: listener path 'wh1' must start with /",
                "bot.yaml:5 listener.paths[1].path: listener path 'wh2' must start with /",
            ]
        )
        #expect(messages.last?.hasPrefix("bot.yaml:6 listener.allow_cidrs[1]: ") == true, "\(messages)")
        #expect(messages.last?.contains("10.0.0.0/33") == true)
    }

    /// A rule that does not compile (a wrong action in it) still has its other actions' names checked
    /// against their plugins: one run lists both.
    @Test func aRuleWithAnErrorStillHasItsNamesChecked() {
        let found = Self.diagnostics(
            """
            rules:
              - name: a
                on: export.failed
                do:
                  - log: "hello"
                  - alert: { receiver: opz, text: t }
            """
        )
        #expect(found.contains("bot.yaml:5 rules[0].do[0].log: expected a mapping of parameters"), "\(found)")
        #expect(found.contains { $0.hasPrefix("bot.yaml:6 rules[0].do[1].alert.receiver: unknown receiver 'opz'") }, "\(found)")
    }

    /// A plugin section that is not a mapping is one error: not another for each key the plugin then
    /// finds missing (exec's `commands`).
    @Test func aMisshapenPluginSectionIsOneError() {
        #expect(
            Self.diagnostics("plugins:\n  exec: x\n  alert: [1, 2]\nrules: []\n") == [
                "bot.yaml:2 plugins.exec: expected a mapping of keys, found 'x'",
                "bot.yaml:3 plugins.alert: expected a mapping of keys, found a list",
            ]
        )
    }

    /// An alert's `group_by` names event paths: one the rule's events never carry would group every
    /// alert under an empty value, so it is checked as a template's paths are, and a non-path is an error.
    @Test func alertGroupByPathsAreChecked() {
        let found = Self.diagnostics(
            """
            plugins:
              alert: { receivers: { ops: { log: {} } } }
            rules:
              - name: a
                on: export.failed
                do:
                  - alert: { receiver: ops, text: t, group_by: [event.type, prject.uid, event.kind, export.uid] }
                  - alert: { receiver: ops, text: t, group_by: [3, "a..b", "{{export.uid}}"] }
            """
        )
        #expect(
            found == [
                "bot.yaml:7 rules[0].do[0].alert.group_by[1]: warning: group_by path 'prject.uid': export.failed events never carry 'prject' (did you mean 'project'?)",
                "bot.yaml:7 rules[0].do[0].alert.group_by[2]: warning: group_by path 'event.kind': event has no field 'kind' (did you mean 'id'?)",
                "bot.yaml:8 rules[0].do[1].alert.group_by[0]: expected an event path like event.type or project.uid, found 3",
                "bot.yaml:8 rules[0].do[1].alert.group_by[1]: expected an event path like event.type or project.uid, found \"a..b\"",
            ],
            "\(found)"
        )
    }

    /// An invitation address written out is checked at load as the plugin would check it on every event.
    @Test func aWrittenOutInvitationAddressIsChecked() {
        let found = Self.diagnostics(
            """
            plugins:
              invite: { allowed_domains: [acme.ai] }
            rules:
              - name: a
                on: export.failed
                do:
                  - invite: { organization: o, email: "bob@evil.com" }
                  - invite: { organization: o, email: "not-an-email" }
                  - invite: { organization: o, email: "Dana@ACME.ai" }
                  - invite: { organization: o, email: "{{member.email}}" }
            """
        )
        #expect(
            found == [
                "bot.yaml:7 rules[0].do[0].invite.email: bob@evil.com is outside plugins.invite.allowed_domains (acme.ai): every invitation would be refused",
                "bot.yaml:8 rules[0].do[1].invite.email: 'not-an-email' is not an email address",
                "bot.yaml:10 rules[0].do[3].invite.email: warning: template path 'member.email': export.failed events never carry 'member' (they carry: event, export, project)",
            ],
            "\(found)"
        )
    }

    /// `request_shape: project` exports a project with its format only: a rule exporting a dataset is an
    /// error, and a name it gives, which would not be sent, is warned about.
    @Test func theProjectRequestShapeTakesNoDatasetAndSendsNoName() {
        let found = Self.diagnostics(
            """
            plugins:
              export: { request_shape: project }
            rules:
              - { name: d, on: export.completed, do: [{ export: { dataset: ds-1, format: coco } }] }
              - { name: n, on: export.completed, do: [{ export: { project: p-1, format: coco, name: nightly } }] }
              - { name: ok, on: export.completed, do: [{ export: { project: p-1, format: yolo } }] }
            """
        )
        #expect(
            found == [
                "bot.yaml:2 plugins.export.request_shape: project exports projects only, but rule d export a dataset: use request_shape docs",
                "bot.yaml:2 plugins.export.request_shape: warning: project sends only the format, so the name rule n give is not sent: use request_shape docs to send it",
            ],
            "\(found)"
        )
    }

    /// A wrong flag in the listener section (read by the decoder's own overloads) does not end the
    /// section's checks: its other keys are still reported in the same run.
    @Test func aWrongListenerFlagDoesNotHideTheSectionsOtherErrors() {
        let found = Self.diagnostics(
            """
            listener:
              plain_http: maybe
              bind: "nope"
              max_body: "huge"
              path: "/a/"
              allow_cidrs: [10.0.0.0/8]
              verify: { scheme: none }
            """
        )
        #expect(
            found == [
                "bot.yaml:2 listener.plain_http: expected true or false, found 'maybe'",
                "bot.yaml:3 listener.bind: must be host:port (0.0.0.0:8443, [::1]:8443; a port up to 65535), got 'nope'",
                "bot.yaml:4 listener.max_body: 'huge' is not a size (write e.g. 512KiB, 1MiB, 1MB or a number of bytes)",
                "bot.yaml:5 listener.path: listener path '/a/' must not end with /",
            ],
            "\(found)"
        )
    }

    /// With the environment, `check-config` refuses a `store.sqlite` that is another application's
    /// database, as `run` would; without it (`--no-env`) the file is not read.
    @Test func aForeignStoreFileIsRefusedAsRunWouldRefuseIt() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("foreign-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try DatabaseQueue(path: path).write { db in try db.execute(sql: "CREATE TABLE users (name TEXT)") }
        let yaml = "api: { api_key: k }\nstore: { sqlite: \"\(path)\" }\n"
        #expect(
            Self.diagnostics(yaml, deployment: true)
                == [
                    "bot.yaml:2 store.sqlite: \(path) is not an avala-bot store: it is another database (tables users), left as it is; give store.sqlite a file of its own"
                ]
        )
        #expect(Self.diagnostics(yaml) == [])
    }

    /// A diagnostic's line that is an error, not a warning.
    static func isError(_ line: String) -> Bool { !line.contains(": warning: ") }

    /// Settings the listener takes that leave it open are warned about: a path without verification
    /// that every address reaches, secrets such a path never checks, a trusted proxy range of everyone.
    @Test func openListenerSettingsAreWarnedAbout() {
        let found = Self.diagnostics(
            """
            listener:
              plain_http: true
              trusted_proxies: [10.0.0.0/8, 0.0.0.0/0]
              paths:
                - { path: /a, source: a, verify: { scheme: none, secrets: [s3cret] } }
                - { path: /b, source: b, verify: { scheme: avala, secrets: [a-secret-long-enough-to-keep] } }
            """
        )
        #expect(
            found == [
                "bot.yaml:3 listener.trusted_proxies[1]: warning: 0.0.0.0/0 trusts every address as a proxy: any client can name another address in X-Forwarded-For and pass allow_cidrs and the per-IP limit; list only your proxies",
                "bot.yaml:5 listener.paths[0].verify.scheme: warning: none: anyone who reaches the listener can deliver events here; limit it with listener.allow_cidrs, or use a signature scheme",
                "bot.yaml:5 listener.paths[0].verify.secrets: warning: scheme none checks no signature, so these secrets are not used",
            ],
            "\(found)"
        )
        let limited = Self.diagnostics("listener:\n  plain_http: true\n  allow_cidrs: [10.0.0.0/8]\n  verify: { scheme: none }\n")
        #expect(limited == [], "an allowlist limits who reaches it")
        let everyone = Self.diagnostics("listener:\n  plain_http: true\n  allow_cidrs: [0.0.0.0/0]\n  verify: { scheme: none }\n")
        #expect(
            everyone.count == 1 && everyone[0].contains("warning: none: anyone who reaches"),
            "an allowlist of everyone limits nothing: \(everyone)"
        )
    }

    /// A webhook secret shorter than 16 bytes (for `standard-webhooks`, a `whsec_` key that decodes to
    /// fewer) is a warning at its path and index, which never shows the secret; the config still loads.
    @Test func shortWebhookSecretsAreWarnedAboutAtTheirIndex() {
        let yaml = """
            listener:
              plain_http: true
              paths:
                - { path: /a, source: a, verify: { scheme: avala, secrets: [a-secret-long-enough-to-keep, "${HOOK}"] } }
                - { path: /b, source: b, verify: { scheme: standard-webhooks, secrets: ["whsec_c2hvcnQta2V5", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] } }
                - { path: /c, source: c }
            """
        let found = Self.diagnostics(yaml, environment: ["HOOK": "hunt2", "AVALA_WEBHOOK_SECRET": "tiny"])
        let advice = "a secret this short can be guessed from one signed delivery: use 16 random bytes or more (openssl rand -hex 32)"
        #expect(
            found == [
                "AVALA_WEBHOOK_SECRET: warning: is shorter than 16 bytes (as the key of the listener paths it serves): \(advice)",
                "bot.yaml:4 listener.paths[0].verify.secrets[1]: warning: is shorter than 16 bytes: \(advice)",
                "bot.yaml:5 listener.paths[1].verify.secrets[0]: warning: decodes to a key shorter than 16 bytes: \(advice)",
            ],
            "\(found)"
        )
        #expect(!found.joined().contains("hunt2") && !found.joined().contains("tiny") && !found.joined().contains("c2hvcnQta2V5"))
        // The shorthand is named as written; `none` checks no signature, so its secrets are not weighed.
        #expect(
            Self.diagnostics("listener:\n  plain_http: true\n  verify: { secrets: [s3cret] }\n") == [
                "bot.yaml:3 listener.verify.secrets[0]: warning: is shorter than 16 bytes: \(advice)"
            ]
        )
        #expect(
            Self.diagnostics("listener:\n  plain_http: true\n  allow_cidrs: [10.0.0.0/8]\n  verify: { scheme: none, secrets: [s] }\n").allSatisfy {
                !$0.contains("shorter")
            }
        )
    }

    /// `check-config` with its environment binds `listener.bind` once: an address in use (here by the test)
    /// is a warning naming it, which says it may be the running bot; the check still passes.
    @Test func aListenerAddressInUseIsAWarning() async throws {
        // The simulator holds its port while it runs.
        let (_, file) = try await SimulatorHarness.with { harness in
            let port = try #require(harness.baseURL.firstMatch(of: /127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) }, "\(harness.baseURL)")
            return (port, try Self.checkAddressInUse(port: port))
        }
        // Free again, it says nothing.
        let again = Console.Capture()
        try Console.$capture.withValue(again) { try CheckConfigCommand.parse(["--config", file.path]).run() }
        #expect(!again.text.contains("listener.bind"), "\(again.text)")
        try? FileManager.default.removeItem(at: file)
    }

    /// `check-config` of a listener on `port`, which is in use; returns the config file.
    static func checkAddressInUse(port: Int) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bind-\(UUID().uuidString).yaml")
        try """
        api: { api_key: avk_test }
        listener:
          bind: "127.0.0.1:\(port)"
          plain_http: true
          verify: { secrets: [a-secret-long-enough-to-keep] }
        """.write(to: file, atomically: true, encoding: .utf8)
        let capture = Console.Capture()
        try Console.$capture.withValue(capture) { try CheckConfigCommand.parse(["--config", file.path]).run() }
        #expect(
            capture.text.contains(
                "\(file.path):3 listener.bind: warning: 127.0.0.1:\(port): address already in use (if avala-bot runs with this config, that is the bot itself; otherwise `run` cannot start until it is free)"
            ),
            "\(capture.text)"
        )
        #expect(capture.text.hasSuffix("OK — 0 rules, plugins: none, 1 warning"), "\(capture.text)")
        return file
    }

    /// Each finding is at the line of the key it is about.
    @Test func findingsAreAtTheirKeysLine() {
        #expect(
            Self.diagnostics(
                "listener:\n  plain_http: true\n  paths:\n    - { path: /wh1, source: one, verify: { scheme: none } }\n    - { path: wh2, source: two, verify: { scheme: none } }\n"
            ).filter(Self.isError)
                == ["bot.yaml:5 listener.paths[1].path: listener path 'wh2' must start with /"]
        )
        #expect(
            Self.diagnostics("listener:\n  plain_http: true\n  path: wh\n  verify: { scheme: none }\n").filter(Self.isError)
                == ["bot.yaml:3 listener.path: listener path 'wh' must start with /"]
        )
        #expect(
            Self.diagnostics("listener:\n  plain_http: true\n  verify: { scheme: none }\n  bind: 0.0.0.0\n").filter(Self.isError)
                == ["bot.yaml:4 listener.bind: must be host:port (0.0.0.0:8443, [::1]:8443; a port up to 65535), got '0.0.0.0'"]
        )
        // No section to point at: the rule that needs one is named.
        #expect(
            Self.diagnostics(
                "rules:\n  - name: invite\n    on: member.joined\n    do:\n      - invite: { organization: o, email: \"{{member.email}}\" }\n"
            )
                == [
                    "bot.yaml:5 plugins.invite.allowed_domains: required by the invite plugin: list the domains it may invite (or [\"*\"] for any); rules[0].do[0].invite uses invite, and the config has no plugins.invite section"
                ]
        )
    }

    /// `run` needs an API key: with its environment, `check-config` says so instead of OK; without it,
    /// the key is among what a deployment must provide.
    @Test func aMissingAPIKeyIsAnErrorWithTheEnvironmentAndListedWithout() throws {
        #expect(
            Self.diagnostics("log: { level: info }\n", deployment: true)
                == ["AVALA_API_KEY: is not set, and api.api_key is not in the config: set one of them"]
        )
        #expect(Self.diagnostics("log: { level: info }\n", environment: ["AVALA_API_KEY": "avk_test"], deployment: true) == [])
        #expect(Self.diagnostics("api: { api_key: avk_in_file }\n", deployment: true) == [])

        var loader = ConfigLoader(environment: [:])
        loader.resolveReferences = false
        let loaded = loader.load(
            yaml:
                "store: { sqlite: \"${file:/run/secrets/db}\" }\nlistener:\n  plain_http: true\n  paths: [{ path: /a }, { path: /b, verify: { scheme: none } }]\n",
            file: "bot.yaml"
        )
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        #expect(loaded.implicitVariables == ["AVALA_API_KEY", "AVALA_WEBHOOK_SECRET"])
        #expect(loaded.referencedFiles == ["/run/secrets/db"])
        let configured = loader.load(
            yaml: "api: { api_key: \"${KEY}\" }\nlistener: { plain_http: true, verify: { secrets: [s] } }\n",
            file: "bot.yaml"
        )
        #expect(configured.implicitVariables == [])

        // As printed by `check-config --no-env`.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("needs-\(UUID().uuidString).yaml")
        try "store: { sqlite: \"${file:/run/secrets/db}\" }\nlistener: { plain_http: true }\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let capture = Console.Capture()
        try Console.$capture.withValue(capture) { try CheckConfigCommand.parse(["--config", file.path, "--no-env"]).run() }
        #expect(capture.text.contains("Environment variables this config needs: AVALA_API_KEY, AVALA_WEBHOOK_SECRET"), "\(capture.text)")
        #expect(capture.text.contains("Files this config reads (${file:…}): /run/secrets/db"), "\(capture.text)")
    }

    /// The roster is read only when a reconcile is due, hours after a deploy: with its environment,
    /// `check-config` reads it as the reconcile would and says what is wrong at its key; without, the file
    /// is among what a deployment must provide.
    @Test func theRosterFileIsReadWithTheEnvironmentAndListedWithout() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("roster-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("roster.csv").path
        try "email,role\n\"ana@acme.ai\",admin\n".write(toFile: good, atomically: true, encoding: .utf8)
        let broken = directory.appendingPathComponent("broken.csv").path
        try "email\nana@acme.ai\n\"bo@acme.ai\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let missing = directory.appendingPathComponent("missing.csv").path
        func yaml(_ file: String) -> String {
            "plugins:\n  invite:\n    allowed_domains: [acme.ai]\n    roster: { organization: o,\n      file: \"\(file)\" }\n"
        }
        func errors(_ file: String, deployment: Bool = true) -> [String] {
            Self.diagnostics(yaml(file), environment: ["AVALA_API_KEY": "avk_test"], deployment: deployment)
        }
        #expect(errors(good) == [])
        #expect(errors(missing) == ["bot.yaml:5 plugins.invite.roster.file: '\(missing)': no such file"])
        #expect(errors(directory.path) == ["bot.yaml:5 plugins.invite.roster.file: '\(directory.path)': is a directory"])
        // A spreadsheet saved as "Unicode text" is UTF-16: said so, rather than every line not being an address.
        let utf16 = directory.appendingPathComponent("utf16.csv")
        try #require("email\nana@acme.ai\n".data(using: .utf16)).write(to: utf16)
        #expect(errors(utf16.path) == ["bot.yaml:5 plugins.invite.roster.file: '\(utf16.path)': is UTF-16 text; save it as UTF-8"])
        #expect(
            errors(broken) == ["bot.yaml:5 plugins.invite.roster.file: \(broken):3: a quoted field is never closed (its closing \" is missing)"]
        )
        // What the reconcile reads otherwise than written is said at its line, against allowed_domains too.
        let outside = directory.appendingPathComponent("outside.csv").path
        try "email\nana@acme.ai\neve@evil.com\nAna@acme.ai\n".write(toFile: outside, atomically: true, encoding: .utf8)
        #expect(
            Set(errors(outside)) == [
                "bot.yaml:5 plugins.invite.roster.file: warning: \(outside):3: eve@evil.com is outside plugins.invite.allowed_domains (acme.ai): the reconcile refuses it",
                "bot.yaml:5 plugins.invite.roster.file: warning: \(outside):4: ana@acme.ai is listed again (first at line 2); it is invited once",
            ]
        )
        // Reloads and checks of the file alone do not look for it: it may exist only where the bot runs.
        #expect(errors(missing, deployment: false) == [])

        let file = directory.appendingPathComponent("bot.yaml")
        try yaml("/etc/avala-bot/roster.csv").write(to: file, atomically: true, encoding: .utf8)
        let capture = Console.Capture()
        try Console.$capture.withValue(capture) { try CheckConfigCommand.parse(["--config", file.path, "--no-env"]).run() }
        #expect(
            capture.text.contains("Files a deployment must provide: /etc/avala-bot/roster.csv (plugins.invite.roster.file)"),
            "\(capture.text)"
        )
    }

    /// `--no-env` leaves the receivers' URLs as references, and still checks the names rules use.
    @Test func literalNamesAreCheckedWithReferencesLeftUnresolved() {
        let yaml = """
            plugins:
              alert: { receivers: { ops: { slack: { url: "${SLACK_URL}" } }, pager: { webhook: { url: "${PAGER_URL}", secret: "${PAGER_SECRET}" } } } }
            rules:
              - { name: a, on: export.failed, do: [{ alert: { receiver: opz, text: hi } }, { alert: { receiver: "${RECEIVER}", text: hi } }] }
            """
        #expect(
            Self.diagnostics(yaml, resolve: false) == ["bot.yaml:4 rules[0].do[0].alert.receiver: unknown receiver 'opz'; configured: ops, pager"]
        )
    }

    /// `check-config --no-env`'s summary and variable list, as printed.
    @Test func noEnvPrintsThePluginsAndWhatADeploymentMustProvide() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        func output(_ file: String) throws -> String {
            let capture = Console.Capture()
            try Console.$capture.withValue(capture) {
                try CheckConfigCommand.parse(["--config", root.appendingPathComponent(file).path, "--no-env"]).run()
            }
            return capture.text
        }
        let alerting = try output("config/examples/ops-alerting.yaml")
        #expect(alerting.contains("Environment variables this config needs: AVALA_API_KEY, ONCALL_SECRET, ONCALL_WEBHOOK_URL, SLACK_WEBHOOK_URL"))
        #expect(alerting.hasSuffix("ops-alerting.yaml: OK — 5 rules, plugins: alert"), "\(alerting)")
        let chained = try output("config/examples/chained-exports.yaml")
        #expect(
            chained.contains(
                "Files a deployment must provide: /etc/avala-bot/tls.crt (listener.tls.cert), /etc/avala-bot/tls.key (listener.tls.key)"
            ),
            "\(chained)"
        )
        let demo = try output("config/demo.yaml")
        #expect(demo.contains("plugins: alert, export, invite, log"), "\(demo)")
        // What users copy must not teach a path that never resolves.
        for file in ["config/avala-bot.yaml", "config/demo.yaml"]
            + ["onboarding", "chained-exports", "ops-alerting"].map({ "config/examples/\($0).yaml" })
        {
            let text = try output(file)
            #expect(!text.contains("warning"), "\(file):\n\(text)")
        }
    }

    /// Alert timings written in an action are held to the section's rules.
    @Test func anActionsAlertIntervalsMustBeLongerThanZero() {
        let yaml = """
            plugins:
              alert: { receivers: { ops: { log: {} } } }
            rules:
              - { name: a, on: export.failed, do: [{ alert: { receiver: ops, text: hi, group_interval: 0s } }] }
            """
        #expect(Self.diagnostics(yaml) == ["bot.yaml:4 rules[0].do[0].alert.group_interval: must be longer than 0s"])
    }

    /// One run lists every problem: a plugin refuses its config a key at a time, and each refused value is
    /// reported while a stand-in lets the check go on, through the rest of the section and to the rules
    /// that use the plugin (a receiver no section configures).
    @Test func everyProblemOfAPluginSectionAndItsRulesIsListedInOneRun() {
        let yaml = """
            plugins:
              alert:
                receivers: { journal: { log: {} }, both: { slack: { url: "https://hooks.example.com/x" }, log: {} } }
                group_wait: 30
                repeat_interval: 0s
                group_interval: 5
            rules:
              - { name: r, on: member.joined, do: [{ alert: { receiver: nope, text: x } }] }
            """
        let found = Self.diagnostics(yaml)
        #expect(found.contains { $0.hasPrefix("bot.yaml:3 plugins.alert.receivers.both:") }, "\(found)")
        #expect(found.contains("bot.yaml:4 plugins.alert.group_wait: expected a duration like 30s, 5m or 1h30m"), "\(found)")
        #expect(found.contains("bot.yaml:5 plugins.alert.repeat_interval: must be longer than 0s"), "\(found)")
        #expect(found.contains("bot.yaml:6 plugins.alert.group_interval: expected a duration like 30s, 5m or 1h30m"), "\(found)")
        #expect(found.contains { $0.hasPrefix("bot.yaml:8 rules[0].do[0].alert.receiver: unknown receiver 'nope'") }, "\(found)")
        #expect(found.count == 5, "\(found)")
    }

    /// However many entries of a section are wrong, one run lists each at its own line: a long section
    /// does not use up the checks part way (twelve receivers of an unknown kind, then a silence).
    @Test func everyWrongEntryOfALongSectionIsListed() {
        let receivers = (0..<12).map { "      r\($0): { pager: {} }" }.joined(separator: "\n")
        let yaml = """
            plugins:
              alert:
                receivers:
            \(receivers)
                silences:
                  - { matchers: { event.type: export.failed }, until: tomorrow }
            """
        let found = Self.diagnostics(yaml)
        for index in 0..<12 {
            #expect(
                found.contains(
                    "bot.yaml:\(index + 4) plugins.alert.receivers.r\(index).pager: unknown receiver kind 'pager'; expected one of: slack, webhook, log"
                ),
                "\(found)"
            )
        }
        #expect(found.contains { $0.hasPrefix("bot.yaml:17 plugins.alert.silences[0].until: 'tomorrow' is not an ISO-8601 time") }, "\(found)")
        #expect(found.count == 13, "\(found)")
    }

    /// A required key that is missing does not hide what else is wrong in its entry: a target without a
    /// url whose secret is wrong, a webhook receiver likewise, a roster without an organization whose
    /// role is wrong.
    @Test func aMissingRequiredKeyDoesNotHideTheRestOfItsEntry() {
        let yaml = """
            plugins:
              alert:
                receivers:
                  hook: { webhook: { secret: "not base64!" } }
              forward:
                targets:
                  peer: { secret: "whsec_not base64!" }
              invite:
                allowed_domains: ["*"]
                roster: { file: team.csv, role: boss }
            """
        let found = Self.diagnostics(yaml)
        #expect(
            found.contains { $0.hasPrefix("bot.yaml:4 plugins.alert.receivers.hook.webhook.url: required") },
            "\(found)"
        )
        #expect(
            found.contains(
                "bot.yaml:4 plugins.alert.receivers.hook.webhook.secret: expected a Standard Webhooks secret: whsec_ followed by base64"
            ),
            "\(found)"
        )
        #expect(found.contains("bot.yaml:7 plugins.forward.targets.peer.url: required: the http(s) URL to POST events to"), "\(found)")
        #expect(
            found.contains("bot.yaml:7 plugins.forward.targets.peer.secret: expected a Standard Webhooks secret: whsec_ followed by base64"),
            "\(found)"
        )
        #expect(found.contains("bot.yaml:10 plugins.invite.roster.organization: required"), "\(found)")
        #expect(found.contains("bot.yaml:10 plugins.invite.roster.role: 'boss' is not one of: owner, admin, member"), "\(found)")
        #expect(found.count == 6, "\(found)")
    }

    /// A name with a dot in it (a receiver `ops.eu`) is one key: its problem is reported at its own line,
    /// and only its own entry stands in or is set aside, so the entries after it are still checked.
    @Test func anEntryNamedWithADotIsCheckedAsOneKey() {
        let yaml = """
            plugins:
              alert:
                receivers:
                  ops.eu: { slack: {} }
                  ops.us: { slack: { url: "ftp://x" } }
                  pager: { pager: {} }
                  journal: { log: {} }
            rules:
              - { name: a, on: export.failed, do: [{ alert: { receiver: ops.eu, text: hi } }, { alert: { receiver: nope, text: hi } }] }
            """
        #expect(
            Self.diagnostics(yaml) == [
                "bot.yaml:4 plugins.alert.receivers.ops.eu.slack.url: required: an http or https URL",
                "bot.yaml:5 plugins.alert.receivers.ops.us.slack.url: expected an http or https URL with a host",
                "bot.yaml:6 plugins.alert.receivers.pager.pager: unknown receiver kind 'pager'; expected one of: slack, webhook, log",
                "bot.yaml:9 rules[0].do[1].alert.receiver: unknown receiver 'nope'; configured: journal, ops.eu, ops.us (besides pager, refused above)",
            ]
        )
    }

    /// A list item that is wrong as a whole is set aside as an item: nothing is reported for the key path
    /// that names it, as if it were a key of its own.
    @Test func aListItemWrongAsAWholeIsReportedOnce() {
        let yaml = """
            plugins:
              alert:
                receivers: { journal: { log: {} } }
                silences: [3, { matchers: { event.type: export.failed }, until: tomorrow }]
              invite:
                allowed_domains: ["a b", "*"]
            """
        #expect(
            Self.diagnostics(yaml) == [
                "bot.yaml:4 plugins.alert.silences[0]: expected a mapping with matchers, until and comment",
                "bot.yaml:4 plugins.alert.silences[1].until: 'tomorrow' is not an ISO-8601 time like 2026-05-01T12:00:00Z (a date, T, a time with seconds, and Z or an offset)",
                "bot.yaml:6 plugins.invite.allowed_domains[0]: 'a b' is not a domain (write acme.ai, *.acme.ai or *)",
            ]
        )
    }

    /// A value that is missing (a receiver's url, a target's secret) or wrong inside a list (a silence)
    /// sets its entry aside: the section's other keys and the rules' names are still checked, a rule
    /// naming the entry set aside is not told it is unknown, and each error points at its entry.
    @Test func anEntryWithAMissingOrListedErrorIsSetAsideAndTheRestIsChecked() {
        let yaml = """
            plugins:
              alert:
                receivers:
                  hook: { webhook: {} }
                  journal: { log: {} }
                group_wait: 30
                silences:
                  - { matchers: {} }
              forward:
                targets:
                  t1: { url: "https://x.example/hook" }
                  t2: { url: "https://y.example/hook", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }
                timeout: 10
            rules:
              - { name: a, on: export.failed, do: [{ alert: { receiver: hook, text: hi } }, { alert: { receiver: nope, text: hi } }] }
              - { name: f, on: export.failed, do: [{ forward: { target: t1 } }, { forward: { target: t9 } }] }
            """
        let found = Self.diagnostics(yaml)
        #expect(found.contains { $0.hasPrefix("bot.yaml:4 plugins.alert.receivers.hook.webhook.url:") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("bot.yaml:6 plugins.alert.group_wait:") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("bot.yaml:8 plugins.alert.silences[0]") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("bot.yaml:11 plugins.forward.targets.t1.secret: required") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("bot.yaml:13 plugins.forward.timeout:") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("bot.yaml:15 rules[0].do[1].alert.receiver: unknown receiver 'nope'") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("bot.yaml:16 rules[1].do[1].forward.target: unknown target 't9'") }, "\(found)")
        #expect(!found.contains { $0.contains("'hook'") || $0.contains("'t1'") }, "\(found)")
        #expect(found.count == 7, "\(found)")
    }

    /// A silence that has ended holds nothing back: a warning (an aged config still loads). A date alone
    /// says which form to write; a matcher path that is no path is an error, one no event carries a
    /// warning (as `silences add` says); an operator says a silence only compares.
    @Test func silencesThatCannotHoldAnythingBackAreSaid() {
        let yaml = """
            plugins:
              alert:
                receivers: { ops: { log: {} } }
                silences:
                  - matchers: { event.type: export.failed }
                    until: 2020-01-01T00:00:00Z
                  - matchers: { event.type: export.failed }
                    until: 2026-12-31
                  - matchers: { project..name: x }
                    until: 2099-01-01T00:00:00Z
                  - matchers: { project.name: { glob: "prod-*" } }
                    until: 2099-01-01T00:00:00Z
                  - matchers: { data.msg: y, event.type: export.failed }
                    until: 2099-01-01T00:00:00Z
                  - matchers: { event.type: export.failed }
                    until: 2099-12-31 18:00:00
            rules:
              - { name: a, on: export.failed, do: [{ alert: { receiver: ops, text: hi } }] }
            """
        let found = Self.diagnostics(yaml)
        #expect(
            found.contains(
                "bot.yaml:6 plugins.alert.silences[0].until: warning: 2020-01-01T00:00:00Z is past, so this silence holds nothing back: remove it"
            ),
            "\(found)"
        )
        #expect(
            found.contains(
                "bot.yaml:8 plugins.alert.silences[1].until: '2026-12-31' is a date without a time: write the time and its zone, like 2026-12-31T23:59:59Z (UTC) or 2026-12-31T23:59:59+01:00"
            ),
            "\(found)"
        )
        #expect(
            found.contains("bot.yaml:9 plugins.alert.silences[2].matchers: 'project..name' is not an event path like event.type or project.name"),
            "\(found)"
        )
        #expect(
            found.contains(
                "bot.yaml:11 plugins.alert.silences[3].matchers.project.name: a silence's matcher takes a value, not an operator ('glob'): it equals the value, or matches it as a glob when it contains *: write project.name: 'prod-*'"
            ),
            "\(found)"
        )
        #expect(
            found.contains {
                $0.hasPrefix("bot.yaml:13 plugins.alert.silences[4].matchers.data.msg: warning: no event carries 'data' (events carry: event, ")
            },
            "\(found)"
        )
        #expect(
            found.contains(
                "bot.yaml:16 plugins.alert.silences[5].until: '2099-12-31 18:00:00' has no time zone: write 2099-12-31T18:00:00Z (UTC) or with an offset, like 2099-12-31T18:00:00+01:00"
            ),
            "\(found)"
        )
        #expect(found.count == 6, "\(found)")
    }

    /// Each wrong item of a list (a silence) is reported in one run, at its own line and index: the item
    /// is set aside, not the list, so the items after it are still checked.
    @Test func everyWrongItemOfAListIsReportedAtItsOwnIndex() {
        let yaml = """
            plugins:
              alert:
                receivers: { journal: { log: {} } }
                silences:
                  - { matchers: {} }
                  - { matchers: { "event.type": "export.failed" }, until: "2099-01-01T00:00:00Z" }
                  - { matchers: { "event.type": "member.*" }, until: tomorrow }
                  - { matchers: { "project.name": "x" }, until: "2099-01-01T00:00:00Z" }
                  - { matchers: { "project.name": "y" }, until: "2099-01-01T00:00:00Z", coment: typo }
            rules:
              - { name: a, on: export.failed, do: [{ alert: { receiver: journal, text: hi } }] }
            """
        let found = Self.diagnostics(yaml)
        #expect(found.contains { $0.hasPrefix("bot.yaml:5 plugins.alert.silences[0].matchers") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("bot.yaml:7 plugins.alert.silences[2].until") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("bot.yaml:9 plugins.alert.silences[4].coment") }, "\(found)")
        #expect(found.count == 3, "\(found)")
    }

    /// An export names a project or a dataset, templated or not: with neither, every event would end as a
    /// dead letter, so the action is an error where it is written.
    @Test func anExportThatNamesNeitherProjectNorDatasetIsAnError() {
        let yaml = """
            rules:
              - name: r
                on: export.completed
                do:
                  - export: { format: yolo }
                  - export: { dataset: "{{export.datasets.0}}", format: yolo }
                  - export: { project: ~, format: coco }
                  - export: { project: "  ", dataset: "", format: coco }
            """
        #expect(
            Self.diagnostics(yaml) == [
                "bot.yaml:5 rules[0].do[0].export: export.create needs one of: project, dataset",
                "bot.yaml:7 rules[0].do[2].export: export.create needs one of: project, dataset",
                "bot.yaml:8 rules[0].do[3].export: export.create needs one of: project, dataset",
            ]
        )
    }

    /// Values that load but cannot work, each named by its key.
    @Test(arguments: [
        (
            "plugins:\n  alert: { group_interval: 0s }\n",
            "bot.yaml:2 plugins.alert.group_interval: must be longer than 0s"
        ),
        (
            "plugins:\n  alert: { repeat_interval: 0s }\n",
            "bot.yaml:2 plugins.alert.repeat_interval: must be longer than 0s"
        ),
        (
            "dispatcher:\n  backoff: { base: 5s, max: 1s }\n",
            "bot.yaml:2 dispatcher.backoff.base: 5s is longer than max 1s: base must not exceed max"
        ),
        (
            "pollers:\n  projects: { progress_thresholds: [50, 150, -3] }\n",
            "bot.yaml:2 pollers.projects.progress_thresholds[1]: must be a percent from 0 to 100, found 150"
        ),
        (
            "listener:\n  tls: { cert: a.crt, key: a.key }\n  plain_http: true\n",
            "bot.yaml:3 listener.plain_http: plain_http: true and tls cannot go together: remove tls to serve plain HTTP behind a proxy, or plain_http to serve TLS"
        ),
        (
            "pollers:\n  members: { organization: acme, organizations: [acme-labelers] }\n",
            "bot.yaml:2 pollers.members.organizations: write either organization or organizations, not both"
        ),
    ])
    func valuesThatCannotWorkAreErrors(yaml: String, expected: String) {
        #expect(Self.diagnostics(yaml, environment: ["AVALA_WEBHOOK_SECRET": "s3cret-of-sixteen-bytes"]).first == expected)
    }

    /// The store is a file that outlives the process: no in-memory database and no URI.
    @Test(arguments: [
        ("\"\"", "is empty: the store must be a file path (e.g. ./data/avala-bot.sqlite)"),
        ("\" \"", "is empty: the store must be a file path (e.g. ./data/avala-bot.sqlite)"),
        ("\":memory:\"", "is :memory:, a database lost at every restart: the store must be a file path (e.g. ./data/avala-bot.sqlite)"),
        (
            "\"file:/var/lib/bot.sqlite?mode=memory\"",
            "is a file: URI: the store must be a file path (e.g. ./data/avala-bot.sqlite), written without file:"
        ),
        ("FILE:bot.sqlite", "is a file: URI: the store must be a file path (e.g. ./data/avala-bot.sqlite), written without file:"),
    ])
    func theStoreMustBeAFilePath(value: String, message: String) {
        #expect(Self.diagnostics("api: { api_key: k }\nstore:\n  sqlite: \(value)\n", deployment: true) == ["bot.yaml:3 store.sqlite: \(message)"])
    }

    /// A blank organization slug, or one listed twice, is an error at its own item: it would be polled
    /// and fail every cycle, or be polled twice and raise each event twice.
    @Test func blankAndRepeatedOrganizationSlugsAreErrors() {
        let yaml = """
            pollers:
              members:
                organizations:
                  - acme
                  - " "
                  - acme-labelers
                  - acme
              invitations: { organization: "" }
            """
        #expect(
            Self.diagnostics(yaml) == [
                "bot.yaml:5 pollers.members.organizations[1]: is blank: give an organization's slug",
                "bot.yaml:7 pollers.members.organizations[3]: 'acme' is listed twice (first at organizations[0]): list each organization once",
                "bot.yaml:8 pollers.invitations.organization: is blank: give an organization's slug",
            ]
        )
    }

    /// Every threshold out of range is named, not only the first.
    @Test func everyThresholdOutOfRangeIsNamed() {
        #expect(
            Self.diagnostics("pollers:\n  projects: { progress_thresholds: [50, 150, -3] }\n") == [
                "bot.yaml:2 pollers.projects.progress_thresholds[1]: must be a percent from 0 to 100, found 150",
                "bot.yaml:2 pollers.projects.progress_thresholds[2]: must be a percent from 0 to 100, found -3",
            ]
        )
    }

    /// Pollers that alone spend more than the client's budget run late, and the plugins' calls with
    /// them: a warning at `pollers`, counting a page per cycle and per organization.
    @Test func pollersBeyondTheRequestBudgetAreAWarning() {
        let busy = """
            api: { requests_per_minute: 20 }
            pollers:
              exports: { every: 5s }
              members: { organizations: [acme, acme-labelers], every: 30s }
            """
        #expect(Self.diagnostics(busy).isEmpty, "16 a minute fits a budget of 20")
        let over = busy.replacingOccurrences(of: "requests_per_minute: 20", with: "requests_per_minute: 15")
        #expect(
            Self.diagnostics(over) == [
                "bot.yaml:3 pollers: warning: the pollers need at least 16 requests a minute (a page per cycle, per organization for members and invitations), more than api.requests_per_minute (15): their cycles will run late and plugins' calls wait behind them; poll less often or raise the budget as far as Avala allows"
            ]
        )
    }

    /// The watcher of followed exports reads one every 5 s while a rule's followed export runs, from the
    /// same budget: counted for the rules that always follow (`follow: true`, or a re-export left to its
    /// default), not for a templated or disabled one.
    @Test func theFollowedExportsWatcherCountsAgainstTheRequestBudget() {
        let pollers = """
            api: { requests_per_minute: 20 }
            pollers:
              exports: { every: 5s }
              members: { organizations: [acme, acme-labelers], every: 30s }
            rules:

            """
        let create = "  - { name: yolo, on: export.completed, do: [{ export: { project: p-1, format: yolo, follow: true } }] }\n"
        let retry = "  - { name: again, on: export.failed, do: [{ export.retry_failed: { times: 2 } }] }\n"
        let unsure = """
              - { name: maybe, on: export.completed, do: [{ export: { project: p-1, follow: "{{export.uid}}" } }] }
              - { name: off, enabled: false, on: export.completed, do: [{ export: { project: p-1, follow: true } }] }
              - { name: never, on: export.failed, do: [{ export.retry_failed: { follow: false } }] }

            """
        // 16 a minute, and nothing these rules certainly follow.
        #expect(Self.diagnostics(pollers + unsure).isEmpty)
        #expect(
            Self.diagnostics(pollers + create + unsure) == [
                "bot.yaml:3 pollers: warning: the pollers need at least 28 requests a minute (a page per cycle, per organization for members and invitations, and a read every 5s while an export that rule yolo follows runs), more than api.requests_per_minute (20): their cycles will run late and plugins' calls wait behind them; poll less often or raise the budget as far as Avala allows"
            ]
        )
        // One watcher, however many rules follow.
        #expect(
            Self.diagnostics(pollers + create + retry) == [
                "bot.yaml:3 pollers: warning: the pollers need at least 28 requests a minute (a page per cycle, per organization for members and invitations, and a read every 5s while an export that rules again, yolo follow runs), more than api.requests_per_minute (20): their cycles will run late and plugins' calls wait behind them; poll less often or raise the budget as far as Avala allows"
            ]
        )
    }
}
