import AsyncHTTPClient
import BotEngine
import BotKit
import Crypto
import Foundation
import InMemoryLogging
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import TestSupport
import Testing
import WebhookListener

@testable import AvalaBot

/// SIGHUP's reload, called directly (a real signal would end the test process if sent before the
/// handler is installed): a valid config swaps rules and plugins at once; a broken one changes nothing.
@Suite struct ConfigReloaderTests {
    static func config(rules: String, every: String = "1m") -> String {
        """
        pollers:
          members: { organization: acme-ai, every: \(every) }
        plugins:
          invite: { allowed_domains: [acme.ai] }
        rules:
        \(rules)
        """
    }

    /// A config read from a pipe (`--config <(…)`, `/dev/stdin`) was used up at start: a reload would
    /// read nothing, a valid config of no rules, so it is refused instead. A symlink to a file (as a
    /// Kubernetes ConfigMap mounts one) is read again as the file.
    @Test func aConfigFromAPipeIsNotReadAgain() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reload-pipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("config.fifo").path
        try #require(mkfifo(fifo, 0o600) == 0)
        let file = directory.appendingPathComponent("bot.yaml").path
        try "rules: []\n".write(toFile: file, atomically: true, encoding: .utf8)
        let link = directory.appendingPathComponent("link.yaml").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)

        #expect(
            ConfigReloader.notReadableAgain(fifo)
                == "\(fifo) is not a regular file (a pipe or a device), so it cannot be read again: restart to change the config"
        )
        #expect(ConfigReloader.notReadableAgain("/dev/null") != nil)
        #expect(ConfigReloader.notReadableAgain(file) == nil)
        #expect(ConfigReloader.notReadableAgain(link) == nil)
        #expect(ConfigReloader.notReadableAgain(directory.appendingPathComponent("missing.yaml").path) == nil, "the loader says so")
    }

    @Test func aValidConfigIsAppliedAndABrokenOneIsRefused() async throws {
        try await SimulatorHarness.with { harness in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("bot.yaml").path
            let environment = [
                "AVALA_API_KEY": harness.apiKey, "AVALA_BASE_URL": harness.baseURL, "AVALA_ALLOW_INSECURE_BASE_URL": "1",
            ]
            let store = directory.appendingPathComponent("store.sqlite").path
            let one = """
                  - name: note
                    on: export.completed
                    do: [ { log: { message: "one" } } ]
                """
            try (Self.config(rules: one) + "\nstore: { sqlite: \"\(store)\" }\n").write(toFile: path, atomically: true, encoding: .utf8)
            let loader = ConfigLoader(environment: environment)
            let loaded = loader.load(path: path)
            #expect(loaded.errors.isEmpty, "\(loaded.errors)")
            var handler = InMemoryLogHandler()
            handler.logLevel = .info
            let logs = handler
            let logger = Logger(label: "reload") { _ in handler }
            let assembly = try await BotAssembly.build(loaded, environment: environment, logger: logger)
            defer { Task { await assembly.shutdown() } }
            let reloader = ConfigReloader(path: path, loaded: loaded, loader: loader, dispatcher: assembly.dispatcher, listener: nil, logger: logger)
            #expect(assembly.dispatcher.rules.current.count == 1)
            #expect(assembly.dispatcher.host.plugins.keys.sorted() == ["invite", "log"])

            let two =
                one + """

                      - name: invite-joiners
                        on: member.joined
                        do: [ { invite: { organization: acme-labelers, email: "{{member.email}}" } } ]
                      - name: also-log
                        on: member.joined
                        do: [ { log: { message: "two" } } ]
                    """
            try (Self.config(rules: two, every: "2m") + "\nstore: { sqlite: \"\(store)\" }\n").write(toFile: path, atomically: true, encoding: .utf8)
            let applied = reloader.reload()
            #expect(applied == ConfigReloader.Outcome(applied: true, restartNeeded: ["pollers"], restartNeededKeys: ["pollers.members.every"]))
            #expect(assembly.dispatcher.rules.current.count == 3)

            try (Self.config(rules: two + "\n    typo: true") + "\nstore: { sqlite: \"\(store)\" }\n").write(
                toFile: path,
                atomically: true,
                encoding: .utf8
            )
            let refused = reloader.reload()
            #expect(!refused.applied)
            #expect(refused.problems.contains { $0.contains("bot.yaml:") && $0.contains("typo") }, "\(refused.problems)")
            #expect(assembly.dispatcher.rules.current.count == 3, "the running rules stay")
            #expect(logs.entries.contains { "\($0.message)" == "Config reload refused; the running config stays" })

            // The pollers still run every 1m: a later reload says so again, and undoing the change
            // stops the warning, since what runs is compared, not the last file loaded.
            try (Self.config(rules: one, every: "2m") + "\nstore: { sqlite: \"\(store)\" }\n").write(toFile: path, atomically: true, encoding: .utf8)
            #expect(
                reloader.reload() == ConfigReloader.Outcome(applied: true, restartNeeded: ["pollers"], restartNeededKeys: ["pollers.members.every"])
            )
            try (Self.config(rules: one) + "\nstore: { sqlite: \"\(store)\" }\n").write(toFile: path, atomically: true, encoding: .utf8)
            #expect(reloader.reload() == ConfigReloader.Outcome(applied: true))
            #expect(assembly.dispatcher.rules.current.count == 1)

            // Truncated (a file written in place, caught half-way), it has no section: refused, where
            // applying it would drop every rule. `rules: []` empties the bot on purpose.
            for empty in ["", "# being written\n", "{}\n"] {
                try empty.write(toFile: path, atomically: true, encoding: .utf8)
                let truncated = reloader.reload()
                #expect(!truncated.applied, "\(empty.debugDescription)")
                #expect(
                    truncated.problems == [
                        "\(path): has no section (an empty file, or one being written?): a reload would drop every rule; to run without rules, write `rules: []`"
                    ]
                )
                #expect(assembly.dispatcher.rules.current.count == 1, "the running rules stay")
            }

            // Started from a pipe, the config cannot be read again: the reload is refused, not applied
            // as the empty config a second read would give.
            let fifo = directory.appendingPathComponent("config.fifo").path
            try #require(mkfifo(fifo, 0o600) == 0)
            let piped = ConfigReloader(path: fifo, loaded: loaded, loader: loader, dispatcher: assembly.dispatcher, listener: nil, logger: logger)
            let fromPipe = piped.reload()
            #expect(!fromPipe.applied)
            #expect(fromPipe.problems == [ConfigReloader.notReadableAgain(fifo)], "\(fromPipe.problems)")
            #expect(assembly.dispatcher.rules.current.count == 1, "the running rules stay")
        }
    }

    /// "Config reloaded" names the rules added, removed and changed, and the plugin sections changed,
    /// so a user sees their edit taken (a count reads the same after editing a rule); a reload that
    /// changed none of them says so. Names only, never values.
    @Test func aReloadNamesTheRulesAndPluginSectionsItChanged() async throws {
        try await SimulatorHarness.with { harness in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("bot.yaml").path
            let environment = ["AVALA_API_KEY": harness.apiKey, "AVALA_BASE_URL": harness.baseURL, "AVALA_ALLOW_INSECURE_BASE_URL": "1"]
            let store = directory.appendingPathComponent("store.sqlite").path
            func write(_ rules: String, domain: String = "acme.ai") throws {
                try (Self.config(rules: rules).replacingOccurrences(of: "[acme.ai]", with: "[\(domain)]") + "\nstore: { sqlite: \"\(store)\" }\n")
                    .write(toFile: path, atomically: true, encoding: .utf8)
            }
            func rule(_ name: String, _ message: String) -> String {
                "  - { name: \(name), on: export.completed, do: [{ log: { message: \"\(message)\" } }] }"
            }
            try write([rule("kept", "same"), rule("edited", "v1"), rule("dropped", "bye")].joined(separator: "\n"))
            let loader = ConfigLoader(environment: environment)
            let loaded = loader.load(path: path)
            #expect(loaded.errors.isEmpty, "\(loaded.errors)")
            var handler = InMemoryLogHandler()
            handler.logLevel = .info
            let logs = handler
            let logger = Logger(label: "reload") { _ in handler }
            let assembly = try await BotAssembly.build(loaded, environment: environment, logger: logger)
            defer { Task { await assembly.shutdown() } }
            let reloader = ConfigReloader(path: path, loaded: loaded, loader: loader, dispatcher: assembly.dispatcher, listener: nil, logger: logger)
            func lastReload() -> [String: String] {
                let entry = logs.entries.last { "\($0.message)" == "Config reloaded" }
                return (entry?.metadata ?? [:]).filter { $0.key.hasPrefix("rules.") || $0.key.hasPrefix("plugins.") || $0.key == "config.applied" }
                    .mapValues { "\($0)" }
            }

            // Moved down the file, `kept` is no change; `edited` is; `dropped` is gone; `fresh` is new.
            try write([rule("fresh", "hi"), rule("edited", "v2"), rule("kept", "same")].joined(separator: "\n"), domain: "acme.io")
            #expect(reloader.reload().applied)
            #expect(
                lastReload() == [
                    "rules.count": "3", "rules.added": "fresh", "rules.removed": "dropped", "rules.changed": "edited", "plugins.changed": "invite",
                ]
            )
            // The same file again: nothing to apply, and the line says so.
            #expect(reloader.reload().applied)
            #expect(lastReload() == ["rules.count": "3", "config.applied": "none: rules and plugins unchanged"])
        }
    }

    /// A certificate near its end is said once at a reload, by the listener that serves it, not again
    /// as a config warning of the same file.
    @Test func aCertificateNearItsEndIsWarnedAboutOnceAtAReload() async throws {
        try await SimulatorHarness.with { harness in
            // Two days: inside the 14-day warning window.
            let certificates = try await TestCertificates.make(days: 2)
            defer { certificates.remove() }
            let path = certificates.directory.appendingPathComponent("bot.yaml").path
            try """
            listener:
              bind: "127.0.0.1:0"
              tls: { cert: "\(certificates.certificatePath)", key: "\(certificates.keyPath)" }
              verify: { scheme: avala, secrets: ["s3cret-of-sixteen-bytes"] }
            store: { sqlite: "\(certificates.directory.appendingPathComponent("store.sqlite").path)" }
            rules: []
            """.write(toFile: path, atomically: true, encoding: .utf8)
            let environment = ["AVALA_API_KEY": harness.apiKey, "AVALA_BASE_URL": harness.baseURL, "AVALA_ALLOW_INSECURE_BASE_URL": "1"]
            let loader = ConfigLoader(environment: environment)
            let loaded = loader.load(path: path)
            #expect(loaded.errors.isEmpty, "\(loaded.errors)")
            var handler = InMemoryLogHandler()
            handler.logLevel = .info
            let logs = handler
            let logger = Logger(label: "expiry") { _ in handler }
            let assembly = try await BotAssembly.build(loaded, environment: environment, logger: logger)
            defer { Task { await assembly.shutdown() } }
            let listener = try #require(assembly.listener)
            let reloader = ConfigReloader(
                path: path,
                loaded: loaded,
                loader: loader,
                dispatcher: assembly.dispatcher,
                listener: listener,
                logger: logger
            )
            func count(_ message: String) -> Int { logs.entries.count { "\($0.message)".hasPrefix(message) } }
            let before = count("Listener certificate expires soon")
            #expect(reloader.reload().applied)
            #expect(count("Listener certificate expires soon") == before + 1)
            let configWarnings = logs.entries.filter { "\($0.message)" == "Config warning" }.map { "\($0.metadata["config.problem"] ?? "")" }
            #expect(!configWarnings.contains { $0.contains("listener.tls.cert") }, "\(configWarnings)")
        }
    }

    /// A rotated webhook secret applies on SIGHUP without a restart: add the new one, then drop the old
    /// one, and the listener follows each step from its next delivery. Anything else in `listener`
    /// still needs a restart.
    @Test func aRotatedWebhookSecretAppliesWithoutARestart() async throws {
        @Sendable func listener(secrets: [String], bind: String = "127.0.0.1:0") -> String {
            Self.plain("verify: { scheme: avala, secrets: [\(secrets.map { "\"\($0)\"" }.joined(separator: ", "))] }", bind: bind)
        }
        try await Self.withReloadingListener(listener(secrets: ["old-secret"])) { rewrite, reloader, send in
            func deliver(signedWith secret: String) async throws -> Int { try await send("/webhooks/avala", secret) }
            #expect(try await deliver(signedWith: "old-secret") == 202)
            #expect(try await deliver(signedWith: "new-secret") == 401)

            try rewrite(listener(secrets: ["old-secret", "new-secret"]))
            #expect(reloader.reload() == ConfigReloader.Outcome(applied: true, verificationReloaded: true))
            #expect(try await deliver(signedWith: "new-secret") == 202)
            #expect(try await deliver(signedWith: "old-secret") == 202)

            try rewrite(listener(secrets: ["new-secret"]))
            #expect(reloader.reload() == ConfigReloader.Outcome(applied: true, verificationReloaded: true))
            #expect(try await deliver(signedWith: "old-secret") == 401)
            #expect(try await deliver(signedWith: "new-secret") == 202)

            // Another bind waits for a restart; it does not hold back a rotation made with it or later.
            try rewrite(listener(secrets: ["new-secret"], bind: "127.0.0.1:1"))
            #expect(reloader.reload() == ConfigReloader.Outcome(applied: true, restartNeeded: ["listener"], restartNeededKeys: ["listener.bind"]))
            #expect(try await deliver(signedWith: "new-secret") == 202)
            try rewrite(listener(secrets: ["new-secret", "third-secret"], bind: "127.0.0.1:1"))
            #expect(
                reloader.reload()
                    == ConfigReloader.Outcome(
                        applied: true,
                        restartNeeded: ["listener"],
                        restartNeededKeys: ["listener.bind"],
                        verificationReloaded: true
                    )
            )
            #expect(try await deliver(signedWith: "third-secret") == 202)
            #expect(try await deliver(signedWith: "old-secret") == 401)
        }
    }

    /// The lines of a plain-HTTP listener on `bind`, then `rest`.
    static func plain(_ rest: String, bind: String = "127.0.0.1:0") -> String {
        "bind: \"\(bind)\"\nplain_http: true\n" + rest
    }

    /// A listener from `listener` (the YAML lines under `listener:`, see ``plain(_:bind:)``) with a reloader, and a way to deliver a
    /// signed body to one of its paths; `AVALA_WEBHOOK_SECRET` is `env-secret`.
    private static func withReloadingListener(
        _ listener: String,
        _ body:
            @Sendable (
                _ rewrite: @Sendable (String) throws -> Void, _ reloader: ConfigReloader, _ deliver: (String, String) async throws -> Int
            ) async throws -> Void
    ) async throws {
        try await SimulatorHarness.with { harness in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("bot.yaml").path
            let store = directory.appendingPathComponent("store.sqlite").path
            @Sendable func write(_ listener: String) throws {
                let yaml = """
                    listener:
                    \(listener.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n"))
                    store: { sqlite: "\(store)" }
                    rules: []
                    """
                try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            }
            let environment = [
                "AVALA_API_KEY": harness.apiKey, "AVALA_BASE_URL": harness.baseURL, "AVALA_ALLOW_INSECURE_BASE_URL": "1",
                "AVALA_WEBHOOK_SECRET": "env-secret",
            ]
            try write(listener)
            let loader = ConfigLoader(environment: environment)
            let loaded = loader.load(path: path)
            #expect(loaded.errors.isEmpty, "\(loaded.errors)")
            let logger = Logger(label: "reload") { _ in SwiftLogNoOpLogHandler() }
            let assembly = try await BotAssembly.build(loaded, environment: environment, logger: logger)
            defer { Task { await assembly.shutdown() } }
            let listener = try #require(assembly.listener)
            let reloader = ConfigReloader(
                path: path,
                loaded: loaded,
                loader: loader,
                dispatcher: assembly.dispatcher,
                listener: listener,
                logger: logger
            )
            try await ServiceGroupRunner.whileRunning(listener, logger: logger) {
                let port = try await listener.waitUntilListening()
                var deliveries = 0
                func deliver(to path: String, signedWith secret: String) async throws -> Int {
                    deliveries += 1
                    let body = #"{"uid": "e-\#(deliveries)", "status": "exported"}"#
                    let mac = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
                    request.method = .POST
                    request.headers.add(name: "X-Avala-Webhook-Signature", value: mac.map { String(format: "%02x", $0) }.joined())
                    request.headers.add(name: "X-Avala-Webhook-Event", value: "export.completed")
                    request.headers.add(name: "X-Avala-Webhook-Delivery", value: "d-\(deliveries)")
                    request.body = .bytes(ByteBuffer(string: body))
                    return Int(try await HTTPClient.shared.execute(request, timeout: .seconds(10)).status.code)
                }
                try await body(write, reloader, deliver)
            }
        }
    }

    /// Verification is paired with the running paths by path, not by place in the list: reordering
    /// `paths` must not give each path the other's secrets, and a rotation made with a reorder applies
    /// to the path it was written for.
    @Test func aReorderedPathsListKeepsEachPathsSecrets() async throws {
        @Sendable func paths(_ entries: [(String, String)]) -> String {
            "paths:\n" + entries.map { "  - { path: \($0.0), source: s\($0.0.dropFirst()), verify: { secrets: [\($0.1)] } }" }.joined(separator: "\n")
        }
        try await Self.withReloadingListener(Self.plain(paths([("/a", "secret-a"), ("/b", "secret-b")]))) { rewrite, reloader, deliver in
            #expect(try await deliver("/a", "secret-a") == 202)
            try rewrite(Self.plain(paths([("/b", "secret-b"), ("/a", "secret-a")])))
            #expect(reloader.reload().applied)
            #expect(try await deliver("/a", "secret-a") == 202)
            #expect(try await deliver("/b", "secret-b") == 202)
            #expect(try await deliver("/a", "secret-b") == 401)
            #expect(try await deliver("/b", "secret-a") == 401)

            try rewrite(Self.plain(paths([("/b", "secret-b2"), ("/a", "secret-a")])))
            #expect(reloader.reload().verificationReloaded)
            #expect(try await deliver("/b", "secret-b2") == 202)
            #expect(try await deliver("/b", "secret-b") == 401)
            #expect(try await deliver("/a", "secret-a") == 202)
        }
    }

    /// The `path`/`verify` shorthand rewritten as the same one-entry `paths` list keeps its secret; it
    /// does not fall back to `AVALA_WEBHOOK_SECRET` (a value in the config wins). And the reverse.
    @Test func theShorthandRewrittenAsAPathsListKeepsItsSecret() async throws {
        let shorthand = Self.plain("path: /hook\nverify: { secrets: [literal-secret] }")
        let list = Self.plain("paths:\n  - { path: /hook, source: avala, verify: { secrets: [literal-secret] } }")
        try await Self.withReloadingListener(shorthand) { rewrite, reloader, deliver in
            try rewrite(list)
            #expect(reloader.reload().applied)
            #expect(try await deliver("/hook", "literal-secret") == 202)
            #expect(try await deliver("/hook", "env-secret") == 401)
            try rewrite(list.replacingOccurrences(of: "literal-secret", with: "rotated-secret"))
            #expect(reloader.reload().verificationReloaded)
            #expect(try await deliver("/hook", "rotated-secret") == 202)
        }
        try await Self.withReloadingListener(list) { rewrite, reloader, deliver in
            try rewrite(shorthand.replacingOccurrences(of: "literal-secret", with: "rotated-secret"))
            #expect(reloader.reload().verificationReloaded)
            #expect(try await deliver("/hook", "rotated-secret") == 202)
            #expect(try await deliver("/hook", "literal-secret") == 401)
        }
    }

    /// SIGHUP's reload reads the mTLS client CA bundle again, from the path the listener started with:
    /// CA-2's client is accepted once the bundle holds CA-2, CA-1's is refused. A new `client_ca` path
    /// waits for a restart and says so; a bundle that cannot be used is a reported problem, and the
    /// bundle in force stays.
    @Test func theClientCABundleIsReloadedFromItsPath() async throws {
        try await SimulatorHarness.with { harness in
            let certificates = try await TestCertificates.make()
            defer { certificates.remove() }
            let one = try await certificates.makeClientAuthority("one")
            let two = try await certificates.makeClientAuthority("two")
            let directory = certificates.directory
            let path = directory.appendingPathComponent("bot.yaml").path
            let bundle = directory.appendingPathComponent("client-ca.pem").path
            let otherBundle = directory.appendingPathComponent("other-ca.pem").path
            @Sendable func write(clientCA: String) throws {
                let yaml = """
                    listener:
                      bind: "127.0.0.1:0"
                      tls: { cert: "\(certificates.certificatePath)", key: "\(certificates.keyPath)", client_ca: "\(clientCA)" }
                      verify: { scheme: avala, secrets: ["s3cret"] }
                    store: { sqlite: "\(directory.appendingPathComponent("store.sqlite").path)" }
                    rules: []
                    """
                try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            }
            @Sendable func copy(_ from: String, to: String) throws {
                try? FileManager.default.removeItem(atPath: to)
                try FileManager.default.copyItem(atPath: from, toPath: to)
            }
            try copy(one.caPath, to: bundle)
            try write(clientCA: bundle)
            let environment = [
                "AVALA_API_KEY": harness.apiKey, "AVALA_BASE_URL": harness.baseURL, "AVALA_ALLOW_INSECURE_BASE_URL": "1",
            ]
            let loader = ConfigLoader(environment: environment)
            let loaded = loader.load(path: path)
            #expect(loaded.errors.isEmpty, "\(loaded.errors)")
            var handler = InMemoryLogHandler()
            handler.logLevel = .info
            let logs = handler
            let logger = Logger(label: "client-ca") { _ in handler }
            let assembly = try await BotAssembly.build(loaded, environment: environment, logger: logger)
            defer { Task { await assembly.shutdown() } }
            let listener = try #require(assembly.listener)
            let reloader = ConfigReloader(
                path: path,
                loaded: loaded,
                loader: loader,
                dispatcher: assembly.dispatcher,
                listener: listener,
                logger: logger
            )
            try await ServiceGroupRunner.whileRunning(listener, logger: logger) {
                let port = try await listener.waitUntilListening()
                /// `GET /healthz` over a new connection, presenting the client certificate `authority` signed.
                @Sendable func health(presenting authority: TestCertificates.ClientAuthority) async throws -> Int {
                    var tls = TLSConfiguration.makeClientConfiguration()
                    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificates.certificatePath))
                    tls.certificateChain = try NIOSSLCertificate.fromPEMFile(authority.clientCertificatePath).map { .certificate($0) }
                    tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: authority.clientKeyPath, format: .pem))
                    var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
                    // A refused handshake must fail now, not after retrying until the deadline.
                    configuration.connectionPool.retryConnectionEstablishment = false
                    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
                    do {
                        let response = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
                        _ = try await response.body.collect(upTo: 1 << 16)
                        try await client.shutdown()
                        return Int(response.status.code)
                    } catch {
                        try? await client.shutdown()
                        throw error
                    }
                }
                #expect(try await health(presenting: one) == 200)
                await #expect(throws: (any Error).self) { _ = try await health(presenting: two) }

                try copy(two.caPath, to: bundle)
                #expect(reloader.reload() == ConfigReloader.Outcome(applied: true, certificatesReloaded: true, clientCAReloaded: true))
                #expect(try await health(presenting: two) == 200)
                await #expect(throws: (any Error).self) { _ = try await health(presenting: one) }

                // Another path (with CA-1 in it) waits for a restart, and the log names the key; meanwhile
                // the file at the running path (CA-2) is what is read.
                try copy(one.caPath, to: otherBundle)
                try write(clientCA: otherBundle)
                #expect(
                    reloader.reload()
                        == ConfigReloader.Outcome(
                            applied: true,
                            restartNeeded: ["listener"],
                            restartNeededKeys: ["listener.tls.client_ca"],
                            certificatesReloaded: true,
                            clientCAReloaded: true
                        )
                )
                let pathWarning = logs.entries.first { "\($0.message)".hasPrefix("listener.tls.client_ca changed") }
                #expect(pathWarning?.level == .warning)
                #expect(pathWarning?.metadata["tls.client_ca.running"] == "\(bundle)")
                #expect(pathWarning?.metadata["tls.client_ca.configured"] == "\(otherBundle)")
                #expect(try await health(presenting: two) == 200)
                await #expect(throws: (any Error).self) { _ = try await health(presenting: one) }

                // A broken bundle at the running path: the config is refused (`run` would refuse it), the
                // bundle's reload fails, both are reported, and CA-2 stays in force.
                try write(clientCA: bundle)
                try "not a certificate".write(toFile: bundle, atomically: true, encoding: .utf8)
                let refused = reloader.reload()
                #expect(!refused.applied)
                #expect(refused.certificatesReloaded)
                #expect(!refused.clientCAReloaded)
                #expect(refused.problems.count == 2, "\(refused.problems)")
                #expect(refused.problems.allSatisfy { $0.contains("listener.tls.client_ca") }, "\(refused.problems)")
                #expect(
                    refused.problems.contains { $0.contains("listener.tls.client_ca: '\(bundle)' is not a PEM certificate") },
                    "\(refused.problems)"
                )
                #expect(
                    logs.entries.contains {
                        $0.level == .error
                            && "\($0.message)" == "Client CA reload failed; the listener keeps verifying clients against its current bundle"
                    }
                )
                #expect(try await health(presenting: two) == 200)
                await #expect(throws: (any Error).self) { _ = try await health(presenting: one) }

                // A certificate path with no file: refused as a start would be, and the running one stays.
                try copy(two.caPath, to: bundle)
                let yaml = try String(contentsOfFile: path, encoding: .utf8)
                try yaml.replacingOccurrences(of: "cert: \"\(certificates.certificatePath)\"", with: "cert: \"\(directory.path)/gone.pem\"")
                    .write(toFile: path, atomically: true, encoding: .utf8)
                let missing = reloader.reload()
                #expect(!missing.applied)
                #expect(
                    missing.problems.contains { $0.contains("listener.tls.cert: '\(directory.path)/gone.pem': no such file") },
                    "\(missing.problems)"
                )
                #expect(try await health(presenting: two) == 200)
            }
        }
    }

    /// A reload logs the config's warnings as a start does, and names each key that waits for a restart.
    @Test func aReloadLogsWarningsAndNamesTheChangedKeys() async throws {
        try await SimulatorHarness.with { harness in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reload-keys-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("bot.yaml").path
            let store = directory.appendingPathComponent("store.sqlite").path
            func write(maxAttempts: Int, message: String) throws {
                let yaml = """
                    dispatcher: { max_attempts: \(maxAttempts), backoff: { base: 1s, max: 1m } }
                    store: { sqlite: "\(store)" }
                    rules:
                      - { name: note, on: export.completed, do: [{ log: { message: "\(message)" } }] }
                    """
                try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            }
            let environment = [
                "AVALA_API_KEY": harness.apiKey, "AVALA_BASE_URL": harness.baseURL, "AVALA_ALLOW_INSECURE_BASE_URL": "1",
            ]
            try write(maxAttempts: 8, message: "one")
            let loader = ConfigLoader(environment: environment)
            let loaded = loader.load(path: path)
            #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
            var handler = InMemoryLogHandler()
            handler.logLevel = .info
            let logs = handler
            let logger = Logger(label: "reload") { _ in handler }
            let assembly = try await BotAssembly.build(loaded, environment: environment, logger: logger)
            defer { Task { await assembly.shutdown() } }
            let reloader = ConfigReloader(path: path, loaded: loaded, loader: loader, dispatcher: assembly.dispatcher, listener: nil, logger: logger)

            try write(maxAttempts: 3, message: "{{exprot.uid}}")
            let outcome = reloader.reload()
            #expect(outcome == ConfigReloader.Outcome(applied: true, restartNeeded: ["dispatcher"], restartNeededKeys: ["dispatcher.max_attempts"]))
            let warnings = logs.entries.filter { "\($0.message)" == "Config warning" }
            #expect(warnings.count == 1, "\(logs.entries.map(\.message))")
            let problem = "\(warnings.first?.metadata["config.problem"] ?? "")"
            #expect(problem.contains("rules[0].do[0].log.message"), "\(warnings)")
            let restart = logs.entries.first { "\($0.message)" == "These config sections changed but apply only after a restart" }
            #expect(restart?.metadata["config.sections"] == "dispatcher")
            #expect(restart?.metadata["config.keys"] == "dispatcher.max_attempts")
        }
    }

    /// The keys named are those whose values differ, at any depth, and never the values themselves.
    @Test func theChangedKeysArePathsWithoutValues() {
        func root(_ yaml: String) -> ConfigNode? { ConfigLoader(environment: [:]).load(yaml: yaml, file: "bot.yaml").root }
        let old = root("api: { api_key: avk_one }\nlistener: { plain_http: true, max_body: 1MiB, paths: [{ path: /a }, { path: /b }] }\n")
        let new = root("api: { api_key: avk_two }\nlistener: { plain_http: true, max_body: 2MiB, paths: [{ path: /a }, { path: /c }] }\n")
        let keys = ConfigReloader.changedKeys(in: ["api", "listener"], from: old, to: new)
        #expect(keys == ["api.api_key", "listener.max_body", "listener.paths[1].path"])
        // A section changed by the environment alone has no key of the file to name.
        #expect(ConfigReloader.changedKeys(in: ["api"], from: old, to: old) == ["api"])
    }

    /// A rotated secret is a change of its section like any other, named by section only. For the API key
    /// that means a restart (the running bot keeps the old key until then); a webhook secret alone the
    /// reload then applies itself (``aRotatedWebhookSecretAppliesWithoutARestart()``).
    @Test func aChangedSecretNeedsARestart() throws {
        func loaded(key: String, secret: String, every: String = "1m") throws -> BotConfiguration {
            let yaml = """
                api: { api_key: "\(key)" }
                listener:
                  plain_http: true
                  verify: { scheme: avala, secrets: ["\(secret)"] }
                pollers:
                  members: { organization: acme-ai, every: \(every) }
                """
            let result = ConfigLoader(environment: [:]).load(yaml: yaml, file: "bot.yaml")
            #expect(result.errors.isEmpty, "\(result.errors)")
            return result.configuration
        }
        let running = try loaded(key: "avk_one", secret: "whsec_one")
        #expect(ConfigReloader.sectionsNeedingRestart(running, try loaded(key: "avk_one", secret: "whsec_one")).isEmpty)
        #expect(ConfigReloader.sectionsNeedingRestart(running, try loaded(key: "avk_two", secret: "whsec_one")) == ["api"])
        #expect(ConfigReloader.sectionsNeedingRestart(running, try loaded(key: "avk_one", secret: "whsec_two")) == ["listener"])
        #expect(ConfigReloader.sectionsNeedingRestart(running, try loaded(key: "avk_one", secret: "whsec_one", every: "2m")) == ["pollers"])
    }

    /// The log settings and the invite roster's schedule are set up at start: a change waits for a
    /// restart, and the reload says so. Other plugin settings apply at once.
    @Test func logSettingsAndTheRosterScheduleNeedARestart() throws {
        func loaded(
            level: String = "info",
            every: String = "1h",
            domains: String = "acme.ai",
            extras: Bool = false
        ) throws
            -> BotConfiguration
        {
            let yaml = """
                log: { level: \(level) }
                plugins:
                  invite: { allowed_domains: [\(domains)], roster: { file: r.csv, organization: acme-ai, every: \(every), remove_extras: \(extras) } }
                rules:
                  - { name: sync, on: bot.roster.due, do: [invite.reconcile: {}] }
                """
            let result = ConfigLoader(environment: [:]).load(yaml: yaml, file: "bot.yaml")
            #expect(result.errors.isEmpty, "\(result.errors)")
            return result.configuration
        }
        let running = try loaded()
        #expect(ConfigReloader.sectionsNeedingRestart(running, try loaded(domains: "\"*\"")).isEmpty)
        #expect(ConfigReloader.sectionsNeedingRestart(running, try loaded(level: "debug")) == ["log"])
        #expect(ConfigReloader.sectionsNeedingRestart(running, try loaded(every: "30m")) == ["plugins.invite.roster"])
        // What the plugin reads itself applies at once.
        #expect(ConfigReloader.sectionsNeedingRestart(running, try loaded(extras: true)).isEmpty)
    }
}
