import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Logging
import TestSupport
import Testing

@testable import AvalaBot

/// `simulate`'s report: matched or why not, and the rendered actions; nothing performed.
@Suite struct SimulateTests {
    static let rules = """
        rules:
          - name: coco-only
            on: export.completed
            where: { "export.format": coco }
            do:
              - log: { message: "export {{export.uid}} of {{project.name}}" }
          - name: failures
            on: export.failed
            do:
              - log: { message: "failed" }
          - name: off
            on: export.*
            enabled: false
            do:
              - log: { message: "never" }
        """

    @Test func aRawAvalaBodyIsNormalizedAndExplained() throws {
        let loaded = ConfigLoader(environment: [:]).load(yaml: Self.rules, file: "rules.yaml")
        #expect(loaded.diagnostics.isEmpty)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("event-\(UUID().uuidString).json")
        try Data(#"{"uid": "e-9", "status": "exported", "format": "coco"}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let event = try EventFile.read(path: file.path, type: .exportCompleted)
        let report = SimulationReport(event: event, rules: loaded.rules, enrichment: "offline").render()
        #expect(
            report == """
                Event export.completed about export e-9 (chain depth 0)
                Enrichment: offline
                rule coco-only: matched
                  1. log message="export e-9 of "
                     rendered empty: project.name
                rule failures: type export.completed is not in on: export.failed
                rule off: disabled
                1 of 3 rules matched; 1 action would run. Nothing was performed.
                """
        )
    }

    @Test func aWhereThatFailsSaysWhatItFound() throws {
        let loaded = ConfigLoader(environment: [:]).load(yaml: Self.rules, file: "rules.yaml")
        let event = EventNormalizer.normalize(
            type: .exportCompleted,
            body: ["uid": "e-1", "format": "yolo"],
            source: "test",
            deliveryID: "d-1"
        )
        let report = SimulationReport(event: event, rules: loaded.rules, enrichment: "offline").render()
        #expect(report.contains(#"rule coco-only: where: export.format is "yolo", expected "coco""#))
        #expect(report.hasSuffix("0 of 3 rules matched; 0 actions would run. Nothing was performed."))
    }

    /// `simulate` loads the config without resolving references, but its enrichment resolves the API
    /// key and base URL as `run` would: the shipped configs write `${AVALA_API_KEY}`.
    @Test func enrichmentResolvesTheKeyAndBaseURLReferences() throws {
        var loader = ConfigLoader(environment: [:])
        loader.resolveReferences = false
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)")
        try Data("avk_from_file\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let yaml = "api: { api_key: \"${file:\(file.path)}\", base_url: \"${BASE}\" }\n"
        let loaded = loader.load(yaml: yaml, file: "bot.yaml")
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let access = try #require(try SimulateCommand.apiAccess(loaded.configuration.api, environment: ["BASE": "https://avala.example/api/v1"]))
        #expect(access.0.revealed == "avk_from_file")
        #expect(access.1.description.hasPrefix("https://avala.example"))
        // An environment key serves when the config's reference cannot be resolved; none at all → offline.
        let unset = ConfigLoader(environment: [:]).load(yaml: "api: { api_key: x }\n", file: "bot.yaml").configuration.api
        #expect(try SimulateCommand.apiAccess(APISection(), environment: [:]) == nil)
        #expect(try SimulateCommand.apiAccess(unset, environment: [:])?.0.revealed == "x")
        var referenced = APISection()
        referenced.apiKey = SecretString("${UNSET_KEY}")
        #expect(try SimulateCommand.apiAccess(referenced, environment: ["AVALA_API_KEY": "avk_env"])?.0.revealed == "avk_env")
    }

    /// `simulate` decides with the values `run` would have: every reference the environment gives is
    /// resolved (a rule's `where`, `enabled`, throttle), the others are named and left as written, and a
    /// resolved secret in a rendered parameter is shown as its reference.
    @Test func rulesAreDecidedOnTheReferencesTheEnvironmentGives() {
        let yaml = """
            rules:
              - name: a
                on: export.completed
                where: { "export.format": "${FMT}", "export.name": { glob: "${PGLOB}" }, "export.n": { gte: "${MIN_N}" } }
                do: [{ log: { message: "${TOKEN}" } }]
              - name: b
                on: export.completed
                enabled: "${ENABLE_B}"
                do: [{ log: { message: b } }]
            """
        func loaded(_ environment: [String: String]) -> LoadedConfiguration {
            var loader = ConfigLoader(environment: environment)
            loader.resolveReferences = false
            loader.resolveAvailableReferences = true
            return loader.load(yaml: yaml, file: "rules.yaml")
        }
        let event = EventNormalizer.normalize(
            type: .exportCompleted,
            body: ["uid": "e-1", "format": "coco", "n": 3, "name": "prod-cars"],
            source: "test",
            deliveryID: "d-1"
        )
        let environment = ["FMT": "coco", "PGLOB": "prod-*", "MIN_N": "2", "ENABLE_B": "false", "TOKEN": "tok_secret_value"]
        let set = loaded(environment)
        #expect(set.diagnostics.isEmpty, "\(set.diagnostics)")
        #expect(set.unsetReferences.isEmpty)
        let report = SimulationReport(event: event, rules: set.rules, enrichment: "offline").render(guardedBy: set.redacted)
        #expect(report.contains("rule a: matched"), "\(report)")
        #expect(report.contains(#"log message="${TOKEN}""#), "\(report)")
        #expect(!report.contains("tok_secret_value"), "\(report)")
        #expect(report.contains("rule b: disabled"), "\(report)")

        // Nothing set: no error, each reference named, and the rules decided on the text as written.
        let unset = loaded([:])
        #expect(unset.errors.isEmpty, "\(unset.errors)")
        #expect(
            unset.unsetReferences.map(\.path).sorted() == [
                "rules[0].do[0].log.message", "rules[0].where.export.format", "rules[0].where.export.n.gte", "rules[0].where.export.name.glob",
                "rules[1].enabled",
            ]
        )
        let placeholders = SimulationReport(event: event, rules: unset.rules, enrichment: "offline").render()
        #expect(placeholders.contains(#"rule a: where: export.format is "coco", expected ${FMT}"#), "\(placeholders)")

        // A value the environment gives wrong is refused as `run` would refuse it, without showing it.
        var wrong = environment
        wrong["MIN_N"] = "several-of-them"
        let refused = loaded(wrong).errors.map(\.description)
        #expect(
            refused == [#"rules.yaml:4 rules[0].where.export.n: gte: expected a number or an ISO-8601 timestamp, found "${MIN_N}""#],
            "\(refused)"
        )
    }

    /// A parameter's referenced value is shown as its reference where the report renders it: a short
    /// one too, each under its own name when two references hold the same value, and event data that
    /// reads like a referenced value is shown as the event has it.
    @Test func referencedParametersAreShownAsTheirReferences() async {
        let yaml = """
            plugins:
              exec: { commands: { c: { path: /bin/true } } }
            rules:
              - name: a
                on: member.joined
                where: { member.email: "${LOOKALIKE}" }
                do:
                  - log: { message: "${SHORT}" }
                  - log: { message: "${FIRST}" }
                  - log: { message: "${SECOND}" }
                  - log: { message: "{{member.email}}" }
                  - exec: { command: c, args: ["{{member.email}}", "${SECOND}", "${SHORT}"] }
            """
        let environment = ["SHORT": "s3", "FIRST": "same-long-token-value", "SECOND": "same-long-token-value", "LOOKALIKE": "dana@acme.ai"]
        var loader = ConfigLoader(environment: environment)
        loader.resolveReferences = false
        loader.resolveAvailableReferences = true
        let set = loader.load(yaml: yaml, file: "rules.yaml")
        #expect(set.errors.isEmpty, "\(set.errors)")
        let event = EventNormalizer.normalize(
            type: .memberJoined,
            body: ["member": ["email": "dana@acme.ai"]],
            source: "test",
            deliveryID: "d-1"
        )
        var simulation = SimulationReport(event: event, rules: set.rules, enrichment: "offline")
        let logger = Logger(label: "simulate-tests", factory: { _ in SwiftLogNoOpLogHandler() })
        await simulation.ask(PluginPreview(plugins: set.plugins, client: nil, store: nil, logger: logger))
        let report = simulation.render(guardedBy: set.redacted)
        #expect(report.contains(#"1. log message="${SHORT}""#), "\(report)")
        // What the plugin says it would do shows the same references, however short.
        #expect(report.contains("     would log: ${SHORT}\n"), "\(report)")
        #expect(report.contains(#"2. log message="${FIRST}""#), "\(report)")
        #expect(report.contains(#"3. log message="${SECOND}""#), "\(report)")
        #expect(report.contains(#"4. log message="dana@acme.ai""#), "\(report)")
        #expect(report.contains(#"5. exec args=["dana@acme.ai","${SECOND}","${SHORT}"] command="c""#), "\(report)")
        #expect(!report.contains("s3\""), "\(report)")
        #expect(!report.contains("same-long-token-value"), "\(report)")
    }

    /// What a plugin says it would do may quote its own config: a value from a reference there is shown
    /// as the reference however short, by where it comes from, not because it is long enough to be taken
    /// for a secret (`acme.ai` is 7 characters). Event data reading the same is shown as it is.
    @Test func aPluginsVerdictShowsItsConfigsReferencesHoweverShort() async {
        let yaml = """
            plugins:
              invite: { allowed_domains: ["${DOMAIN}"] }
            rules:
              - name: invite
                on: member.joined
                do:
                  - log: { message: "{{member.note}}" }
                  - invite: { email: "{{member.email}}", organization: o-1 }
            """
        var loader = ConfigLoader(environment: ["DOMAIN": "acme.ai"])
        loader.resolveReferences = false
        loader.resolveAvailableReferences = true
        let set = loader.load(yaml: yaml, file: "rules.yaml")
        #expect(set.errors.isEmpty, "\(set.errors)")
        let event = EventNormalizer.normalize(
            type: .memberJoined,
            body: ["member": ["email": "dana@other.io", "note": "from acme.ai"]],
            source: "test",
            deliveryID: "d-1"
        )
        var simulation = SimulationReport(event: event, rules: set.rules, enrichment: "offline")
        for name in set.plugins.keys { simulation.pluginReferences[name] = set.referencedValues(at: "plugins.\(name)") }
        let logger = Logger(label: "simulate-tests", factory: { _ in SwiftLogNoOpLogHandler() })
        await simulation.ask(PluginPreview(plugins: set.plugins, client: nil, store: nil, logger: logger))
        let report = simulation.render(guardedBy: set.redacted)
        #expect(report.contains("would fail: refused: dana@other.io is outside plugins.invite.allowed_domains (${DOMAIN})"), "\(report)")
        #expect(!report.contains("acme.ai)"), "\(report)")
        #expect(report.contains("     would log: from acme.ai\n"), "\(report)")
    }

    /// A rule's reason shows every `where` operand that came from a reference as the reference, however
    /// short its value; the event's own data is shown as it is, unless it is a referenced value.
    @Test func referencedWhereOperandsAreShownAsTheirReferences() {
        let yaml = """
            rules:
              - name: format
                on: export.completed
                where: { "export.format": "${FMT}" }
                do: [{ log: { message: a } }]
              - name: token
                on: export.completed
                where: { "export.token": { ne: "${TOKEN}" } }
                do: [{ log: { message: b } }]
              - name: count
                on: export.completed
                where: { "export.n": { gt: "${MIN}" } }
                do: [{ log: { message: c } }]
              - name: name
                on: export.completed
                where: { "export.name": { regex: "${PAT}" }, "export.uid": { glob: "${UIDS}" } }
                do: [{ log: { message: d } }]
              - name: uid
                on: export.completed
                where: { "export.uid": { glob: "${UIDS}" } }
                do: [{ log: { message: e } }]
              - name: negated
                on: export.completed
                where: { not: { "export.format": [yolo, "${OTHER}"] } }
                do: [{ log: { message: f } }]
              - name: typed
                on: [export.failed, "${TYPE}"]
                do: [{ log: { message: g } }]
            """
        var loader = ConfigLoader(environment: [
            "FMT": "zip", "TOKEN": "s3", "MIN": "7", "PAT": "^q", "UIDS": "x-*", "OTHER": "coco", "TYPE": "task.*",
        ])
        loader.resolveReferences = false
        loader.resolveAvailableReferences = true
        let set = loader.load(yaml: yaml, file: "rules.yaml")
        #expect(set.diagnostics.isEmpty, "\(set.diagnostics)")
        let event = EventNormalizer.normalize(
            type: .exportCompleted,
            body: ["uid": "e-1", "format": "coco", "token": "s3", "n": 7, "name": "prod"],
            source: "test",
            deliveryID: "d-1"
        )
        let report = SimulationReport(event: event, rules: set.rules, enrichment: "offline").render(guardedBy: set.redacted)
        let reasons = report.split(separator: "\n").filter { $0.hasPrefix("rule ") }
        #expect(
            reasons == [
                #"rule format: where: export.format is "coco", expected ${FMT}"#,
                "rule token: where: export.token is the value of ${TOKEN}, expected anything but ${TOKEN}",
                "rule count: where: export.n is the value of ${MIN}, expected > ${MIN}",
                #"rule name: where: export.name is "prod", expected to match regex ${PAT}"#,
                #"rule uid: where: export.uid is "e-1", expected to match glob ${UIDS}"#,
                #"rule negated: where: not: export.format in ["yolo", ${OTHER}] held"#,
                "rule typed: type export.completed is not in on: export.failed, ${TYPE}",
            ],
            "\(report)"
        )
    }

    @Test func aRawBodyCannotBeABotEventAsTheListenerRefusesOne() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("event-\(UUID().uuidString).json")
        try Data(#"{"poller": "exports"}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = try #require(throws: EventFile.Problem.self) { try EventFile.read(path: file.path, type: .botPollerFailing) }
        #expect(error.description.hasPrefix("--type bot.poller.failing: bot.* events are the bot's own"))
    }

    /// A raw body of an export the bot created meets `max_chain_depth` in `simulate` as it would in `run`:
    /// the depth the bot recorded for it is read from the config's store.
    @Test func aRawBodyOfAnExportTheBotCreatedTakesItsRecordedChainDepth() async throws {
        let harness = try await EngineHarness(rules: "rules: []")
        defer { harness.removeFiles() }
        try await ExportChain(store: harness.store).record(exportUID: "e-made", depth: 1, follow: false)
        try await ExportChain(store: harness.store).recordIntended(exportUID: "e-placed", depth: 2)
        let logger = Logger(label: "simulate-tests", factory: { _ in SwiftLogNoOpLogHandler() })
        func simulated(_ uid: String, store: String) async -> (Int, String?) {
            let event = EventNormalizer.normalize(
                type: .exportCompleted,
                body: ["uid": .string(uid), "status": "exported"],
                source: "simulate",
                deliveryID: nil
            )
            let (read, note) = await SimulateCommand.withStoredChainDepth(event, storePath: store, logger: logger)
            return (read.chainDepth, note)
        }
        let made = await simulated("e-made", store: harness.path)
        #expect(made.0 == 1)
        #expect(made.1 == "chain depth 1, as the bot recorded export e-made in \(harness.path)")
        #expect(await simulated("e-placed", store: harness.path).0 == 2)
        #expect(await simulated("e-other", store: harness.path) == (0, nil))
        #expect(await simulated("e-made", store: harness.path + ".absent") == (0, nil))
    }

    /// A rule whose throttle window the bot has used up is shown throttled, as `run` would hold it back:
    /// the windows are read from the journal in the config's store.
    @Test func aRuleWhoseWindowTheBotUsedUpIsShownThrottled() async throws {
        let rules = """
            rules:
              - name: page-once
                on: export.completed
                throttle: { count: 1, per: 1h, key: "{{export.format}}" }
                do:
                  - log: { message: "export {{export.uid}}" }
            """
        let harness = try await EngineHarness(rules: rules)
        defer { harness.removeFiles() }
        let first = EngineTests.event(uid: "e-first")
        _ = try await harness.store.ingest(first)
        try await ServiceGroupRunner.whileRunning(harness.dispatcher(), logger: harness.logger) {
            try await harness.until { try await harness.store.event(id: first.id)?.status == .done }
        }
        let loaded = ConfigLoader(environment: [:]).load(yaml: rules, file: "bot.yaml")
        let logger = Logger(label: "simulate-tests", factory: { _ in SwiftLogNoOpLogHandler() })
        func explained(_ event: Event, store: String) async -> String {
            let throttle = await SimulateCommand.storedThrottle(rules: loaded.rules, storePath: store, logger: logger)
            return SimulationReport(event: event, rules: loaded.rules, enrichment: "none", throttle: throttle).render()
        }
        let second = await explained(EngineTests.event(uid: "e-second"), store: harness.path)
        #expect(second.contains("rule page-once: throttled: 1 per 1h already used for key 'coco'"), "\(second)")
        // The event the window admitted is admitted again; another key, or no store yet, is open.
        #expect(await explained(first, store: harness.path).contains("rule page-once: matched"))
        let other = EngineTests.event(uid: "e-other", data: ["export": ["uid": "e-other", "format": "yolo"]])
        #expect(await explained(other, store: harness.path).contains("rule page-once: matched"))
        #expect(await explained(EngineTests.event(uid: "e-second"), store: harness.path + ".absent").contains("rule page-once: matched"))
    }

    /// A silence added with `avala-bot silences add` is in the store, not the config: the dry run reads
    /// the plugins' state from the store as `run` would, so the alert is shown silenced, as it would be.
    @Test func aSilenceAddedToTheStoreIsSeen() async throws {
        let harness = try await EngineHarness(rules: "rules: []")
        defer { harness.removeFiles() }
        let loaded = ConfigLoader(environment: [:]).load(
            yaml: """
                plugins:
                  alert: { receivers: { ops: { log: {} } } }
                rules:
                  - { name: page, on: export.failed, do: [{ alert: { receiver: ops, text: "export {{export.uid}} failed" } }] }
                """,
            file: "bot.yaml"
        )
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        let logger = Logger(label: "simulate-tests", factory: { _ in SwiftLogNoOpLogHandler() })
        let event = EngineTests.event(.exportFailed, uid: "e-1", data: ["export": ["uid": "e-1", "error": "boom"]])
        func simulated(store: String) async -> String {
            var report = SimulationReport(event: event, rules: loaded.rules, enrichment: "none", throttle: nil)
            let store = SimulateCommand.pluginStateStore(at: store, logger: logger)
            await report.ask(PluginPreview(plugins: loaded.plugins, client: nil, store: store, logger: logger))
            return report.render()
        }
        #expect(await simulated(store: harness.path).contains("would alert ops: export e-1 failed"))
        _ = try await InspectCommandTests.run(["silences", "add", "--store", harness.path, "--match", "event.type=export.failed", "--for", "1h"])
        let silenced = await simulated(store: harness.path)
        #expect(silenced.contains("would be skipped: silenced"), "\(silenced)")
        // A store that is not there yet (a bot that has not run) has no silences.
        #expect(await simulated(store: harness.path + ".absent").contains("would alert ops: export e-1 failed"))
    }

    @Test func anEventFileNeedsTypeAndData() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("event-\(UUID().uuidString).json")
        try Data(#"{"data": {"export": {"uid": "x"}}}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = try #require(throws: EventFile.Problem.self) { try EventFile.read(path: file.path, type: nil) }
        #expect(error.description == "\(file.path): missing \"type\" (or pass --type TYPE for a raw Avala body)")
    }

    /// What the listener refuses, `simulate` refuses too, and a misspelt key is named rather than passed
    /// over: trying a rule on an event that can never arrive, or without a field the file meant to give,
    /// would show a match or a miss that `run` never has.
    @Test(arguments: [
        (#"[{"uid": "e-1"}]"#, "export.completed", "expected a JSON object, as the listener refuses any other body (400)"),
        (#"{"uid": "e-1"}"#, "export completed", "--type: event type 'export completed' is not a name"),
        (#"{"type": "export.completed", "data": {}, "subjet": {"kind": "export", "uid": "e-1"}}"#, nil, #"unknown key "subjet""#),
        (#"{"type": "export.{completed,failed}", "data": {}}"#, nil, #""type": event type 'export.{completed,failed}' is not a name"#),
    ])
    func anEventTheListenerWouldRefuseIsRefused(json: String, type: String?, message: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("event-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = try #require(throws: EventFile.Problem.self) { try EventFile.read(path: file.path, type: type.map(EventType.init(rawValue:))) }
        #expect(error.description.contains(message), "\(error.description)")
    }

    /// `events show --json` adds the stored event's status, keys and journal: they read back too.
    @Test func whatEventsShowWritesReadsBack() async throws {
        let harness = try await EngineHarness(rules: "rules: []")
        defer { harness.removeFiles() }
        let stored = try #require(try await harness.store.event(id: EngineTests.id(try await harness.store.ingest(EngineTests.event(uid: "e-1")))))
        var object = InspectFormat.json(stored).objectValue ?? [:]
        object["actions"] = []
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("event-\(UUID().uuidString).json")
        try Data(InspectFormat.jsonLine(.object(object)).utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try EventFile.read(path: file.path, type: nil).data == stored.event.data)
    }

    /// What `events show --json` writes, `simulate --event` reads back as the same event: a `bot.*` body
    /// keeps its fields at the root (where rules look for `poller`), with its source, origin and subject.
    @Test(arguments: [
        Event(
            type: .botPollerFailing,
            source: .bot,
            origin: "bot",
            time: Date(timeIntervalSince1970: 1_780_000_000.25),
            data: ["poller": "exports", "error": "HTTP 503", "since": "2026-05-28T20:26:40Z"]
        ),
        Event(
            type: .webhookDeliveryFailed,
            source: .poller,
            origin: "deliveries",
            subject: .init(kind: "delivery", uid: "d-1"),
            data: ["delivery": ["uid": "d-1", "status": "failed"]],
            chainDepth: 2,
            replayOf: "evt-original"
        ),
        EventNormalizer.normalize(type: .exportCompleted, body: ["uid": "e-1", "format": "coco"], source: "avala", deliveryID: "d-7"),
        Event(
            type: .memberJoined,
            source: .poller,
            origin: "members:acme-ai",
            subject: .init(kind: "member", uid: "u-1"),
            data: ["organization": "acme-ai", "member": ["uid": "m-9", "user_uid": "u-1", "email": "dana@acme.ai"]]
        ),
    ])
    func anEventFileReadsBackAsTheEventItWasWrittenFrom(_ original: Event) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("event-\(UUID().uuidString).json")
        try original.fileData().write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let read = try EventFile.read(path: file.path, type: nil)
        #expect(read.fileForm == original.fileForm)
        #expect(read.data == original.data)
        #expect(read.source == original.source)
        #expect(read.subject == original.subject)
    }

    /// A poller's event type written by hand, or as a raw body with `--type`, gets what its poller would
    /// give it: its source, its subject (a member is named by its user) and its semantic key, where the
    /// body holds what the key is made of.
    @Test func aPollersEventTypeGetsThePollersSubjectSourceAndKey() throws {
        func file(_ json: String) throws -> Event {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("event-\(UUID().uuidString).json")
            try Data(json.utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            return try EventFile.read(path: file.path, type: nil)
        }
        let joined = try file(
            #"{"type": "member.joined", "data": {"organization": "acme-ai", "member": {"uid": "m-9", "user_uid": "u-1", "created_at": "2026-11-30T10:00:00Z"}}}"#
        )
        #expect(joined.source == .poller)
        #expect(joined.subject == .init(kind: "member", uid: "u-1"))
        #expect(joined.keys == ["member.joined:acme-ai:u-1:2026-11-30T10:00:00Z"])
        let failed = try file(#"{"type": "webhook.delivery_failed", "data": {"delivery": {"uid": "d-1", "attempts": 3}}}"#)
        #expect(failed.subject == .init(kind: "delivery", uid: "d-1"))
        #expect(failed.keys == ["webhook.delivery_failed:d-1:3"])
        let changed = try file(
            #"{"type": "project.status_changed", "data": {"project": {"uid": "p-1", "updated_at": "2026-11-30T10:00:00Z"}, "from": "active", "to": "paused"}}"#
        )
        #expect(changed.keys == ["project.status_changed:p-1:paused:2026-11-30T10:00:00Z"])
        let progress = try file(#"{"type": "project.progress", "data": {"project": {"uid": "p-1"}, "threshold": 50}}"#)
        #expect(progress.keys == ["project.progress:p-1:50"])
        #expect(try file(#"{"type": "bot.poller.failing", "data": {"poller": "exports"}}"#).source == .bot)
        #expect(try file(#"{"type": "export.completed", "data": {"export": {"uid": "e-1"}}}"#).source == .webhook)

        let raw = EventNormalizer.normalize(
            type: .memberJoined,
            body: ["uid": "m-raw", "user_uid": "u-raw", "email": "dana@acme.ai"],
            source: "simulate",
            deliveryID: nil
        )
        #expect(raw.subject == .init(kind: "member", uid: "u-raw"))
        let delivery = EventNormalizer.normalize(
            type: .webhookDeliveryFailed,
            body: ["uid": "d-2", "attempts": 1],
            source: "simulate",
            deliveryID: nil
        )
        #expect(delivery.data["delivery"]?["uid"] == "d-2")
        #expect(delivery.keys == ["webhook.delivery_failed:d-2:1"])
        let invitation = EventNormalizer.normalize(type: .invitationAccepted, body: ["uid": "inv-1"], source: "peer", deliveryID: "a")
        #expect(invitation.keys == ["delivery:peer:a", "invitation.accepted:inv-1"])
    }

    @Test func aBotEventFromAFileMatchesItsRulesAsInRun() throws {
        let loaded = ConfigLoader(environment: [:]).load(
            yaml: """
                rules:
                  - name: poller-down
                    on: bot.poller.failing
                    where: { poller: exports, "event.source": bot }
                    do:
                      - log: { message: "{{poller}} failing: {{error}}" }
                """,
            file: "rules.yaml"
        )
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("event-\(UUID().uuidString).json")
        try Data(#"{"type": "bot.poller.failing", "source": "bot", "data": {"poller": "exports", "error": "HTTP 503"}}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let report = SimulationReport(event: try EventFile.read(path: file.path, type: nil), rules: loaded.rules, enrichment: "offline").render()
        #expect(report.contains("rule poller-down: matched"), "\(report)")
        #expect(report.contains(#"log message="exports failing: HTTP 503""#), "\(report)")
    }

    @Test(arguments: [
        (#"{"type": "x.y", "source": "avala", "data": {}}"#, #""source" must be webhook, poller or bot (the sender's name goes in "origin")"#),
        (#"{"type": "x.y", "time": "yesterday", "data": {}}"#, #""time" must be an ISO 8601 time"#),
        (#"{"type": "x.y", "chain_depth": -1, "data": {}}"#, #""chain_depth" must be a whole number, 0 or more"#),
        (#"{"type": "x.y", "id": "", "data": {}}"#, #""id" must be a non-empty string"#),
        (#"{"type": "x.y", "data": []}"#, #"missing "data" object"#),
        (#"{"type": "x.y", "subject": {"uid": "x"}, "data": {}}"#, #""subject" must be an object {kind, uid} with both non-empty"#),
    ])
    func aWrongFieldInAnEventFileIsNamed(_ body: String, _ message: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("event-\(UUID().uuidString).json")
        try Data(body.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = try #require(throws: EventFile.Problem.self) { try EventFile.read(path: file.path, type: nil) }
        #expect(error.description == "\(file.path): \(message)")
    }
}
