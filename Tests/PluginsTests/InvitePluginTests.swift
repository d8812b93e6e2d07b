import BotKit
import Foundation
import InMemoryLogging
import Logging
import Synchronization
import Testing

@testable import InvitePlugin

/// The invite plugin's parameters, guards, skips and roster, against an in-memory Avala.
@Suite struct InvitePluginTests {
    static func plugin(_ config: [String: JSON] = ["allowed_domains": ["acme.ai"]]) throws -> InvitePlugin {
        try InvitePlugin(config: PluginConfig(config))
    }

    static func request(_ parameters: [String: JSON], action: String = "send") -> ActionRequest {
        ActionRequest(action: action, parameters: parameters, event: Event(type: .memberJoined, source: .poller), rule: "welcome")
    }

    @Test func configErrorsNameTheKey() throws {
        #expect(
            throws: PluginConfigError(key: "allowed_domains", "required by the invite plugin: list the domains it may invite (or [\"*\"] for any)")
        ) {
            try InvitePlugin(config: PluginConfig())
        }
        #expect(throws: PluginConfigError.self) { try Self.plugin(["allowed_domains": []]) }
        let bad = #expect(throws: PluginConfigError.self) { try Self.plugin(["allowed_domains": ["bob@acme.ai"]]) }
        #expect(bad?.key == "allowed_domains[0]")
        let roster = #expect(throws: PluginConfigError.self) {
            try Self.plugin(["allowed_domains": ["*"], "roster": ["file": "r.csv", "organization": "o", "evry": "1m"]])
        }
        #expect(roster?.key == "roster.evry")
        let every = #expect(throws: PluginConfigError.self) {
            try Self.plugin(["allowed_domains": ["*"], "roster": ["file": "r.csv", "organization": "o", "every": "60"]])
        }
        #expect(every?.key == "roster.every")
        let missing = #expect(throws: PluginConfigError.self) { try Self.plugin(["allowed_domains": ["*"], "roster": ["file": "r.csv"]]) }
        #expect(missing?.key == "roster.organization")
    }

    @Test(arguments: [
        ("ana@acme.ai", ["acme.ai"], true), ("ANA@Acme.AI", ["acme.ai"], true), ("ana@eu.acme.ai", ["acme.ai"], false),
        ("ana@eu.acme.ai", ["*.acme.ai"], true), ("ana@notacme.ai", ["*.acme.ai"], false), ("ana@gmail.com", ["*"], true),
        ("ana@acme.ai.evil.com", ["acme.ai"], false),
    ])
    func domainGuard(email: String, domains: [String], allowed: Bool) throws {
        let normalized = try EmailAddress.normalize(email).get()
        #expect(try DomainGuard(domains).allows(normalized) == allowed)
    }

    /// An entry written as a URL, an address, with a port, a path or spaces loaded and then matched no
    /// address, refusing every invitation: it is refused at load, saying what to write.
    @Test(arguments: [
        ("https://acme.ai", "'https://acme.ai' is not a domain: write acme.ai"), ("acme.ai:443", "'acme.ai:443' is not a domain: write acme.ai"),
        ("acme.ai/team", "'acme.ai/team' is not a domain: write acme.ai"), (" acme.ai", "' acme.ai' is not a domain: write acme.ai"),
        ("https://Acme.ai:8443/x?y", "'https://Acme.ai:8443/x?y' is not a domain: write acme.ai"),
        ("bob@acme.ai", "'bob@acme.ai' is not a domain: write acme.ai"), ("@acme.ai", "'@acme.ai' is not a domain: write acme.ai"),
        ("https://bücher.de/", "'https://bücher.de/' is not a domain: write bücher.de (the bare domain, in Unicode or its xn-- form)"),
        ("b ü.de", "'b ü.de' is not a domain (write a bare domain, in Unicode or its xn-- form"),
        ("acme", "'acme' has no dot, so no address's domain is it"), ("acme..ai", "'acme..ai' is not a domain (write acme.ai, *.acme.ai or *)"),
        ("*acme.ai", "'*acme.ai' is not a domain (write acme.ai, *.acme.ai or *)"),
    ])
    func allowedDomainsThatMatchNoAddressAreRefused(entry: String, message: String) throws {
        let error = #expect(throws: PluginConfigError.self) { try Self.plugin(["allowed_domains": ["acme.ai", .string(entry)]]) }
        #expect(error?.key == "allowed_domains[1]")
        #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "")")
        // What is written right still loads, whatever its case.
        _ = try Self.plugin(["allowed_domains": ["Acme.AI", "*.eu.acme.ai", "xn--bcher-kva.de", "*.ai", "my-corp.co.uk", "Müller.de"]])
    }

    /// An internationalized domain matches in either form, entry and address alike: both are compared in
    /// their ASCII (IDNA) form, lower-cased.
    @Test(arguments: [
        ("ana@bücher.de", ["xn--bcher-kva.de"], true), ("ana@xn--bcher-kva.de", ["Bücher.de"], true), ("ana@BÜCHER.de", ["bücher.de"], true),
        ("ana@eu.bücher.de", ["*.bücher.de"], true), ("ana@bucher.de", ["bücher.de"], false), ("ana@bücher.de", ["acme.ai"], false),
    ])
    func internationalizedDomains(email: String, domains: [String], allowed: Bool) throws {
        let normalized = try EmailAddress.normalize(email).get()
        #expect(try DomainGuard(domains).allows(normalized) == allowed)
    }

    @Test func invitesAnAddressThatIsNeitherMemberNorInvited() async throws {
        let avala = FakeAvalaActions()
        let outcome = try await Self.plugin().perform(
            Self.request(["organization": "labelers", "email": " Dave@ACME.ai ", "role": "admin"]),
            context: .test(avala: avala)
        )
        #expect(outcome == .done("invited dave@acme.ai to labelers as admin: inv-0"))
        #expect(avala.calls == ["invite labelers dave@acme.ai admin"])
    }

    /// A request that got no answer (a timeout, a crash) may still become an invitation: the retry sends
    /// nothing until it could no longer land (the API's request timeout and a margin), then sends.
    @Test func anUnansweredInvitationIsNotSentAgainUntilItCouldNoLongerLand() async throws {
        let avala = FakeAvalaActions()
        avala.inviteFailure.withLock { $0 = ActionError.transient("no answer within the request timeout") }
        let state = MemoryPluginState()
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let now: @Sendable () -> Date = { clock.withLock { $0 } }
        let request = Self.request(["organization": "labelers", "email": "dave@acme.ai", "role": "member"])
        await #expect(throws: ActionError.self) {
            try await Self.plugin().perform(request, context: .test(avala: avala, state: state, now: now))
        }
        clock.withLock { $0 += 5 }
        let early = try await Self.plugin().perform(request, context: .test(avala: avala, state: state, attempt: 1, now: now))
        guard case .deferred(let until, _) = early else {
            Issue.record("expected a deferral, got \(early)")
            return
        }
        #expect(until == Date(timeIntervalSince1970: 1_800_000_060))
        #expect(avala.calls.count == 1, "nothing sent while the first request may still land")
        clock.withLock { $0 += 60 }
        let later = try await Self.plugin().perform(request, context: .test(avala: avala, state: state, attempt: 2, now: now))
        #expect(later == .done("invited dave@acme.ai to labelers as member: inv-1"))
        #expect(try await state.get("invite:event-1/rule/0") == nil)
    }

    /// Refused because an earlier request whose answer was lost did invite the person (Avala refuses a
    /// second pending invitation): what the action was for holds, and it is not dead-lettered.
    @Test func aRefusalThatFindsTheInvitationSentIsNotAFailure() async throws {
        let avala = FakeAvalaActions()
        avala.beforeInvite.withLock {
            $0 = { [avala] email in
                avala.world.withLock {
                    $0.invitations["labelers", default: []].append(AvalaInvitation(uid: "landed", email: email, status: "pending"))
                }
            }
        }
        avala.inviteFailure.withLock { $0 = ActionError.permanent("HTTP 400: A pending invitation already exists") }
        let request = Self.request(["organization": "labelers", "email": "dave@acme.ai", "role": "member"])
        let outcome = try await Self.plugin().perform(request, context: .test(avala: avala, attempt: 1))
        #expect(outcome == .skipped("dave@acme.ai already has a pending invitation to labelers (sent by an earlier attempt): landed"))

        // Refused with nothing pending: a real failure, passed on.
        let refused = FakeAvalaActions()
        refused.inviteFailure.withLock { $0 = ActionError.permanent("HTTP 400: role is not valid") }
        await #expect(throws: ActionError.permanent("HTTP 400: role is not valid")) {
            try await Self.plugin().perform(request, context: .test(avala: refused))
        }
    }

    @Test func skipsAMemberAndAPendingInvitation() async throws {
        let avala = FakeAvalaActions(
            members: ["labelers": [AvalaMember(userUID: "u1", email: "ana@acme.ai", role: "member")]],
            invitations: ["labelers": [AvalaInvitation(uid: "inv-9", email: "bo@acme.ai")]]
        )
        let plugin = try Self.plugin()
        let member = try await plugin.perform(Self.request(["organization": "labelers", "email": "ana@acme.ai"]), context: .test(avala: avala))
        #expect(member == .skipped("ana@acme.ai is already a member of labelers (member)"))
        let pending = try await plugin.perform(
            Self.request(["organization": "labelers", "email": "BO@acme.ai"]),
            context: .test(avala: avala, resuming: true)
        )
        #expect(pending == .skipped("bo@acme.ai already has a pending invitation to labelers (sent by an earlier attempt): inv-9"))
        #expect(avala.calls.isEmpty)
    }

    @Test func refusesWhatTheGuardAndTheParametersDoNotAllow() async throws {
        let avala = FakeAvalaActions()
        let plugin = try Self.plugin()
        let outside = try await plugin.perform(Self.request(["organization": "o", "email": "eve@evil.com"]), context: .test(avala: avala))
        #expect(outside == .failed("refused: eve@evil.com is outside plugins.invite.allowed_domains (acme.ai)"))
        let notAnAddress = try await plugin.perform(Self.request(["organization": "o", "email": "nobody"]), context: .test(avala: avala))
        #expect(notAnAddress == .failed("'nobody' is not an email address"))
        let role = try await plugin.perform(Self.request(["organization": "o", "email": "a@acme.ai", "role": "god"]), context: .test(avala: avala))
        #expect(role == .failed("role 'god' is not one of: owner, admin, member"))
        #expect(avala.calls.isEmpty)
    }

    @Test func aDryRunChecksButSendsNothing() async throws {
        let avala = FakeAvalaActions()
        let outcome = try await Self.plugin().perform(
            Self.request(["organization": "o", "email": "a@acme.ai"]),
            context: .test(avala: avala, dryRun: true)
        )
        #expect(outcome == .done("would invite a@acme.ai to o as member"))
        #expect(avala.calls.isEmpty)
    }

    @Test func anotherActionInvitingTheSameAddressMakesThisOneWait() async throws {
        let state = MemoryPluginState()
        try await state.set("lock:o:a@acme.ai", ["owner": "other-event/rule/0", "at": .number(1_800_000_000 - 5)])
        let outcome = try await Self.plugin().perform(
            Self.request(["organization": "o", "email": "a@acme.ai"]),
            context: .test(avala: FakeAvalaActions(), state: state)
        )
        guard case .deferred(let until, let reason) = outcome else {
            Issue.record("expected deferred, got \(outcome)")
            return
        }
        #expect(until == Date(timeIntervalSince1970: 1_800_000_002))
        #expect(reason.contains("other-event/rule/0"))
    }

    @Test func resendAndCancelActOnThePendingInvitation() async throws {
        let avala = FakeAvalaActions(invitations: ["o": [AvalaInvitation(uid: "inv-1", email: "a@acme.ai")]])
        let plugin = try Self.plugin()
        #expect(
            try await plugin.perform(Self.request(["organization": "o", "email": "a@acme.ai"], action: "resend"), context: .test(avala: avala))
                == .done("resent invitation inv-1 to a@acme.ai")
        )
        #expect(
            try await plugin.perform(Self.request(["organization": "o", "email": "a@acme.ai"], action: "cancel"), context: .test(avala: avala))
                == .done("cancelled invitation inv-1 of a@acme.ai")
        )
        #expect(
            try await plugin.perform(Self.request(["organization": "o", "email": "a@acme.ai"], action: "cancel"), context: .test(avala: avala))
                == .skipped("a@acme.ai has no pending invitation to o")
        )
        #expect(avala.calls == ["resend o inv-1", "cancel o inv-1"])
    }

    /// Another action re-sent the invitation while it was expired and got no answer (its mark, as
    /// `resending:<org>:<uid>`): while that request may still land, `invite.resend` waits; once it no
    /// longer can and the invitation is live, that request was sent, and is not sent again.
    @Test func resendWaitsOnAnotherActionsUnansweredResendOfTheExpiredInvitation() async throws {
        let avala = FakeAvalaActions(invitations: ["o": [AvalaInvitation(uid: "inv-1", email: "a@acme.ai", isExpired: false)]])
        let plugin = try Self.plugin()
        let state = MemoryPluginState()
        let sent = 1_800_000_000.0 - 10
        try await state.set("resending:o:inv-1", ["at": .number(sent), "owner": "invite:other-event/rule/0", "unanswered_at": .number(sent)])
        let request = Self.request(["organization": "o", "email": "a@acme.ai"], action: "resend")

        let early = try await plugin.perform(request, context: .test(avala: avala, state: state))
        guard case .deferred(let until, let reason) = early else {
            Issue.record("expected deferred, got \(early)")
            return
        }
        #expect(until == Date(timeIntervalSince1970: sent + 30 + 30), "the request timeout and margin after it went unanswered")
        #expect(reason.hasPrefix("another action re-sent the expired invitation inv-1 to a@acme.ai and has no answer yet"), "\(reason)")

        let later = try await plugin.perform(request, context: .test(avala: avala, state: state, now: { until }))
        #expect(later.name == "skipped" && later.detail.contains("it is live again, so it was sent"), "\(later)")
        #expect(avala.calls.isEmpty)
    }

    @Test func addToTeamUsesTheTeamTheInvitationNamed() async throws {
        let avala = FakeAvalaActions()
        let state = MemoryPluginState()
        let plugin = try Self.plugin()
        _ = try await plugin.perform(
            Self.request(["organization": "o", "email": "a@acme.ai", "team": "annotators"]),
            context: .test(avala: avala, state: state)
        )
        let added = try await plugin.perform(
            Self.request(["organization": "o", "user": "u-7", "email": "A@acme.ai"], action: "add_to_team"),
            context: .test(avala: avala, state: state)
        )
        #expect(added == .done("added a@acme.ai to team annotators of o"))
        let none = try await plugin.perform(
            Self.request(["organization": "o", "user": "u-8", "email": "b@acme.ai"], action: "add_to_team"),
            context: .test(avala: avala, state: state)
        )
        #expect(none == .skipped("no team to add b@acme.ai to: none given and no invite named one"))
        #expect(avala.calls == ["invite o a@acme.ai member", "team o annotators u-7"])
    }

    @Test func rosterFilesParseWithLineNumbersInErrors() throws {
        let csv = try Roster.parseCSV("# team\nemail,role\nAna@acme.ai,admin\nbo@acme.ai,\n", file: "r.csv")
        #expect(csv == [.init(email: "ana@acme.ai", role: "admin"), .init(email: "bo@acme.ai", role: nil)])
        #expect(throws: RosterProblem.self) { try Roster.parseCSV("name\nana\n", file: "r.csv") }
        let yaml = try Roster.parseYAML("- ana@acme.ai\n- email: bo@acme.ai\n  role: admin\n- 'cy@acme.ai' # quoted\n", file: "r.yaml")
        #expect(yaml == [.init(email: "ana@acme.ai"), .init(email: "bo@acme.ai", role: "admin"), .init(email: "cy@acme.ai")])
        let error = #expect(throws: RosterProblem.self) { try Roster.parseYAML("- ana@acme.ai\n- email: nope\n", file: "r.yaml") }
        #expect(error?.description == "r.yaml:2: 'nope' is not an email address")
    }

    /// An address listed twice is said, with both lines (an error when the two lines give two roles:
    /// which one is meant cannot be told); a column the roster does not read, or a field beyond the
    /// header's columns, is named rather than dropped without a word; and with the plugin's
    /// `allowed_domains`, an address outside them is named at its line.
    @Test func rosterFileProblemsNameTheirLines() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func problems(_ name: String, _ text: String, domains: [JSON] = ["acme.ai"]) throws -> [String] {
            let file = directory.appendingPathComponent(name).path
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            return try Self.plugin(["allowed_domains": .array(domains)]).rosterFileProblems(atPath: file).map {
                ($0.isWarning ? "warning: " : "") + $0.description.replacingOccurrences(of: directory.path + "/", with: "")
            }
        }
        #expect(try problems("clean.csv", "email,role\nana@acme.ai,admin\nbo@acme.ai,\n") == [])
        #expect(
            try problems("twice.csv", "email,role\nana@acme.ai,admin\nbo@acme.ai,\nAna@ACME.ai,admin\nbo@acme.ai,member\n") == [
                "warning: twice.csv:4: ana@acme.ai is listed again (first at line 2); it is invited once",
                "warning: twice.csv:5: bo@acme.ai is listed again (first at line 3); it is invited once",
            ]
        )
        #expect(
            try problems("roles.yaml", "- email: ana@acme.ai\n  role: admin\n- bo@acme.ai\n- email: ANA@acme.ai\n  role: member\n") == [
                "roles.yaml:4: ana@acme.ai is listed again, as member, after line 1 listed it as admin: keep one"
            ]
        )
        #expect(
            try problems("columns.csv", "Name,Email,Rol,\nAna,ana@acme.ai,admin,\nBo,bo@acme.ai,,x\nCy,cy@acme.ai,,,y\n") == [
                "warning: columns.csv:1: 'Name' (column 1), 'Rol' (column 3), an unnamed column (4) are not read: a roster reads email and role",
                "warning: columns.csv:4: field 5 ('y') is beyond the 4 columns line 1 names, so it is not read; quote a value that holds a comma",
            ]
        )
        #expect(
            try problems("comma.csv", "email,role\nana@acme.ai,admin,Doe\nbo@acme.ai,member,Roe\n") == [
                "warning: comma.csv:2: field 3 ('Doe') is beyond the 2 columns line 1 names, so it is not read (and 1 more line); quote a value that holds a comma"
            ]
        )
        #expect(
            try problems("outside.csv", "email\nana@acme.ai\neve@evil.com\nbo@eu.acme.ai\n", domains: ["acme.ai"]) == [
                "warning: outside.csv:3: eve@evil.com is outside plugins.invite.allowed_domains (acme.ai): the reconcile refuses it",
                "warning: outside.csv:4: bo@eu.acme.ai is outside plugins.invite.allowed_domains (acme.ai): the reconcile refuses it",
            ]
        )
        #expect(try problems("any.csv", "email\neve@evil.com\n", domains: ["*"]) == [])
        // The reconcile stops at the two roles, as at any other roster error.
        let file = directory.appendingPathComponent("roles.yaml").path
        let plugin = try Self.plugin(["allowed_domains": ["acme.ai"], "roster": ["file": .string(file), "organization": "o"]])
        let avala = FakeAvalaActions()
        let outcome = try await plugin.perform(Self.request([:], action: "reconcile"), context: .test(avala: avala))
        #expect(outcome == .failed("\(file):4: ana@acme.ai is listed again, as member, after line 1 listed it as admin: keep one"))
        #expect(avala.calls.isEmpty)
    }

    /// A roster exported from a spreadsheet is RFC 4180 CSV: a byte order mark, CRLF line ends, quoted
    /// fields with `""` and commas inside, a record spanning lines. The quotes are not part of an address.
    @Test func rosterCSVIsReadAsSpreadsheetsWriteIt() throws {
        let text =
            "\u{FEFF}Email,Role,Name\r\n# a comment\r\n\"quoted@acme.ai\",member,\"Doe, Ana\"\r\n \"Bo@Acme.ai\" , \"admin\" ,\"Bo \"\"the\"\" Boss\"\r\n"
            + "\r\ncy@acme.ai,,\"two\r\nlines\"\r\ndee@acme.ai,\"\",\"\"\r\n"
        let records = try CSVRecord.parse(text)
        #expect(records.map(\.line) == [1, 3, 4, 6, 8])
        #expect(records[1].fields == ["quoted@acme.ai", "member", "Doe, Ana"])
        #expect(records[2].fields == ["Bo@Acme.ai", "admin", "Bo \"the\" Boss"])
        #expect(records[3].fields == ["cy@acme.ai", "", "two\r\nlines"])
        let entries = try Roster.parseCSV(text, file: "r.csv")
        #expect(
            entries == [
                .init(email: "quoted@acme.ai", role: "member"), .init(email: "bo@acme.ai", role: "admin"), .init(email: "cy@acme.ai"),
                .init(email: "dee@acme.ai"),
            ]
        )
        // A quote that is never closed would swallow the rest of the file: an error at its line.
        let open = #expect(throws: RosterProblem.self) {
            try Roster.parseCSV("email,role\r\nana@acme.ai,\r\n\"bo@acme.ai,admin\r\ncy@acme.ai,\r\n", file: "r.csv")
        }
        #expect(open?.description == "r.csv:3: a quoted field is never closed (its closing \" is missing)")
        let after = #expect(throws: RosterProblem.self) { try Roster.parseCSV("email\n\"bo@acme.ai\"x\n", file: "r.csv") }
        #expect(after?.description == "r.csv:2: text after a quoted field's closing quote")
    }

    /// The walkthrough's case: a quoted address is invited, not refused as outside `allowed_domains`.
    @Test func aQuotedRosterAddressIsInvited() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "\"email\",\"role\"\r\n\"quoted@acme.ai\",\"\"\r\n".write(toFile: file, atomically: true, encoding: .utf8)
        let avala = FakeAvalaActions()
        let plugin = try Self.plugin(["allowed_domains": ["acme.ai"], "roster": ["file": .string(file), "organization": "o"]])
        let outcome = try await plugin.perform(Self.request([:], action: "reconcile"), context: .test(avala: avala))
        #expect(avala.calls == ["invite o quoted@acme.ai member"], "\(outcome)")
    }

    @Test func rosterReconcileInvitesTheMissingAndReportsExtras() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "email,role\nana@acme.ai,\nbo@acme.ai,admin\ncy@acme.ai,\neve@evil.com,\n".write(toFile: file, atomically: true, encoding: .utf8)
        let avala = FakeAvalaActions(
            members: [
                "o": [
                    AvalaMember(userUID: "u1", email: "ana@acme.ai", role: "member"),
                    AvalaMember(userUID: "u9", email: "zed@acme.ai", role: "member"),
                ]
            ],
            invitations: ["o": [AvalaInvitation(uid: "i1", email: "cy@acme.ai")]]
        )
        let plugin = try Self.plugin(["allowed_domains": ["acme.ai"], "roster": ["file": .string(file), "organization": "o"]])
        let outcome = try await plugin.perform(Self.request([:], action: "reconcile"), context: .test(avala: avala))
        #expect(
            outcome
                == .done(
                    "roster \(file) → o: 4 listed; invited 1 (bo@acme.ai); 1 already invited; refused 1 outside allowed_domains (eve@evil.com); 1 not on the roster (kept; remove_extras is off) (zed@acme.ai)"
                )
        )
        #expect(avala.calls == ["invite o bo@acme.ai admin"])

        let removing = try Self.plugin([
            "allowed_domains": ["acme.ai"], "roster": ["file": .string(file), "organization": "o", "remove_extras": true],
        ])
        _ = try await removing.perform(Self.request([:], action: "reconcile"), context: .test(avala: avala))
        #expect(avala.calls.last == "remove o u9")
    }

    /// The roster's invitations are once only too: an address whose request got no answer waits until
    /// that request can no longer land (the others go on), and one refused because an earlier request did
    /// invite it counts as already invited, not as a refusal.
    @Test func reconcileWaitsForAnUnansweredInvitationAndAcceptsOneThatLanded() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "email\nana@acme.ai\nbo@acme.ai\n".write(toFile: file, atomically: true, encoding: .utf8)
        let avala = FakeAvalaActions()
        let state = MemoryPluginState()
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let now: @Sendable () -> Date = { clock.withLock { $0 } }
        let plugin = try Self.plugin(["allowed_domains": ["acme.ai"], "roster": ["file": .string(file), "organization": "o"]])
        let request = Self.request([:], action: "reconcile")
        avala.inviteFailure.withLock { $0 = ActionError.transient("no answer within the request timeout") }
        await #expect(throws: ActionError.self) {
            try await plugin.perform(request, context: .test(avala: avala, state: state, now: now))
        }
        clock.withLock { $0 += 5 }
        let early = try await plugin.perform(request, context: .test(avala: avala, state: state, attempt: 1, now: now))
        #expect(
            early
                == .deferred(
                    until: Date(timeIntervalSince1970: 1_800_000_060),
                    reason: "roster \(file) → o: 2 listed; invited 1 (bo@acme.ai); 1 waiting for an earlier request that got no answer (ana@acme.ai)"
                )
        )
        #expect(avala.calls == ["invite o ana@acme.ai member (failed)", "invite o bo@acme.ai member"])

        // By then the first request did land, and Avala refuses a second pending invitation.
        clock.withLock { $0 += 60 }
        avala.beforeInvite.withLock {
            $0 = { [avala] email in
                avala.world.withLock { $0.invitations["o", default: []].append(AvalaInvitation(uid: "landed", email: email)) }
            }
        }
        avala.inviteFailure.withLock { $0 = ActionError.permanent("HTTP 400: A pending invitation already exists") }
        let later = try await plugin.perform(request, context: .test(avala: avala, state: state, attempt: 2, now: now))
        #expect(later == .skipped("roster \(file) → o: 2 listed; invited 0; 2 already invited"), "\(later)")
    }

    /// A file caught mid-rewrite reads as empty (or as its header alone): with remove_extras on, that must
    /// not read as "remove everyone".
    @Test(arguments: ["", "email,role\n", "# roster\n\n"])
    func anEmptyRosterIsRefusedWhenExtrasWouldBeRemoved(content: String) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try content.write(toFile: file, atomically: true, encoding: .utf8)
        let avala = FakeAvalaActions(members: ["o": [AvalaMember(userUID: "u1", email: "ana@acme.ai", role: "member")]])
        let plugin = try Self.plugin([
            "allowed_domains": ["acme.ai"], "roster": ["file": .string(file), "organization": "o", "remove_extras": true],
        ])
        let outcome = try await plugin.perform(Self.request([:], action: "reconcile"), context: .test(avala: avala))
        #expect(outcome.name == "failed")
        #expect(outcome.detail.contains("lists nobody"), "\(outcome)")
        #expect(avala.calls.isEmpty)
        #expect(avala.world.withLock { $0.members["o"]?.count } == 1)
    }

    /// The roster takes the lock `invite.send` takes for an address: while another action holds it, the
    /// roster leaves that address alone (the other action is inviting it), and releases its own locks.
    @Test func reconcileLeavesAnAddressAnotherActionIsInviting() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "email\nbo@acme.ai\ncy@acme.ai\n".write(toFile: file, atomically: true, encoding: .utf8)
        let avala = FakeAvalaActions()
        let state = MemoryPluginState()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try await state.set("lock:o:bo@acme.ai", ["owner": "event-9/welcome/0", "at": .number(now.timeIntervalSince1970)])
        let plugin = try Self.plugin(["allowed_domains": ["acme.ai"], "roster": ["file": .string(file), "organization": "o"]])
        let outcome = try await plugin.perform(Self.request([:], action: "reconcile"), context: .test(avala: avala, state: state, now: { now }))
        #expect(avala.calls == ["invite o cy@acme.ai member"])
        #expect(outcome.detail.contains("1 being invited by another action (bo@acme.ai)"), "\(outcome)")
        #expect(try await state.get("lock:o:cy@acme.ai") == nil)
        #expect(try await state.get("lock:o:bo@acme.ai")?["owner"]?.stringValue == "event-9/welcome/0")
    }

    /// A roster that takes longer than a lease (each invitation waits for the request budget) renews
    /// its leases: an invite.send for the last address, midway, finds it held and leaves it.
    @Test func aLongReconcileKeepsItsLeases() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "email\naa@acme.ai\nbb@acme.ai\ncc@acme.ai\ndd@acme.ai\n".write(toFile: file, atomically: true, encoding: .utf8)
        let avala = FakeAvalaActions()
        let state = MemoryPluginState()
        // Every look at the clock is 30 s later, and each invitation takes 50 s: the roster spans minutes.
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let now: @Sendable () -> Date = {
            clock.withLock {
                $0 += 30
                return $0
            }
        }
        let competitor = Mutex<[String: String?]>([:])
        avala.beforeInvite.withLock {
            $0 = { email in
                // Each invitation waits for the request budget.
                clock.withLock { $0 += 50 }
                guard email == "cc@acme.ai" else { return }
                let other = InviteLock(state: state, key: "lock:o:dd@acme.ai", owner: "event-9/welcome/0")
                let holder = try? await other.acquire(now: clock.withLock { $0 })
                competitor.withLock { $0["dd@acme.ai"] = holder }
            }
        }
        let plugin = try Self.plugin(["allowed_domains": ["acme.ai"], "roster": ["file": .string(file), "organization": "o"]])
        _ = try await plugin.perform(Self.request([:], action: "reconcile"), context: .test(avala: avala, state: state, now: now))
        #expect(avala.calls.count == 4)
        let holder = competitor.withLock { $0["dd@acme.ai"] }
        #expect(holder == .some("event-1/rule/0"), "the reconcile still held dd@acme.ai's lease")
    }

    @Test func anAddressListedTwiceIsInvitedOnce() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "email,role\nbo@acme.ai,admin\nBo@Acme.ai,\n".write(toFile: file, atomically: true, encoding: .utf8)
        let avala = FakeAvalaActions()
        let plugin = try Self.plugin(["allowed_domains": ["acme.ai"], "roster": ["file": .string(file), "organization": "o"]])
        _ = try await plugin.perform(Self.request([:], action: "reconcile"), context: .test(avala: avala))
        #expect(avala.calls == ["invite o bo@acme.ai admin"])
    }

    /// What check-config warns about in the roster (a column not read, an address listed twice, one outside
    /// `allowed_domains`) is logged by the reconcile at run time too, each a warning naming the file and
    /// line: once per change of the file, not every cycle (nor again by a plugin built anew, as after a
    /// reload, which reports them itself).
    @Test func rosterWarningsAreLoggedOncePerChangeOfTheFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "email,role,team\nana@acme.ai,,red\nANA@acme.ai,,red\neve@evil.com,,\n".write(toFile: file, atomically: true, encoding: .utf8)
        let config: [String: JSON] = ["allowed_domains": ["acme.ai"], "roster": ["file": .string(file), "organization": "o"]]
        let logs = InMemoryLogHandler()
        let logger = Logger(label: "roster-tests") { _ in logs }
        let state = MemoryPluginState()
        let avala = FakeAvalaActions()
        func reconcile() async throws {
            _ = try await Self.plugin(config).perform(
                Self.request([:], action: "reconcile"),
                context: .test(avala: avala, state: state, logger: logger)
            )
        }
        func warnings() -> [String] {
            logs.entries.filter { $0.level == .warning }.map {
                "\($0.metadata["roster.file"] ?? "-"):\($0.metadata["roster.line"] ?? "-"): \($0.metadata["roster.problem"] ?? "-")"
            }
        }
        for _ in 0..<3 { try await reconcile() }
        #expect(
            warnings() == [
                "\(file):1: 'team' (column 3) is not read: a roster reads email and role",
                "\(file):3: ana@acme.ai is listed again (first at line 2); it is invited once",
                "\(file):4: eve@evil.com is outside plugins.invite.allowed_domains (acme.ai): the reconcile refuses it",
            ]
        )
        #expect(Set(logs.entries.filter { $0.level == .warning }.map { "\($0.message)" }) == ["Roster file has a problem the reconcile reads past"])

        // Changed: its warnings are logged again, once.
        logs.clear()
        try "email\nana@acme.ai\neve@evil.com\n".write(toFile: file, atomically: true, encoding: .utf8)
        try await reconcile()
        try await reconcile()
        #expect(warnings() == ["\(file):3: eve@evil.com is outside plugins.invite.allowed_domains (acme.ai): the reconcile refuses it"])

        // Put right, then wrong again as before: logged again.
        logs.clear()
        try "email\nana@acme.ai\n".write(toFile: file, atomically: true, encoding: .utf8)
        try await reconcile()
        #expect(warnings().isEmpty)
        try "email\nana@acme.ai\neve@evil.com\n".write(toFile: file, atomically: true, encoding: .utf8)
        try await reconcile()
        #expect(warnings().count == 1)
    }
}
