import BotKit
import Foundation
import Logging
import Synchronization
import Testing

@testable import ExecPlugin

@Suite struct ExecPluginTests {
    /// The scripts that must be stopped sleep 90 s; a run that ends before this did not wait for them.
    /// Not tighter: under the whole suite's parallel load (and a build alongside) these runs took
    /// 10.8 – 11.7 s end to end, and once, beside a walkthrough's processes, 20 – 23 s.
    static let wellBeforeTheSleepEnds = Duration.seconds(60)

    /// A temporary directory of small shell scripts, removed with the value.
    final class Scripts {
        let directory: URL

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("exec-tests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        /// Writes an executable `#!/bin/sh` script and returns its path.
        func script(_ name: String, _ body: String, mode: Int = 0o755) throws -> String {
            let url = directory.appendingPathComponent(name)
            // Written through a close-on-exec descriptor: tests run in parallel, and a program another test
            // starts at this moment must not inherit it, or this script could not run (ETXTBSY) while that
            // program lives.
            let descriptor = open(url.path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
            let bytes = Array("#!/bin/sh\n\(body)\n".utf8)
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
            guard written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
            return url.path
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    }

    static let event = Event(
        id: "ev-1",
        type: "export.completed",
        source: .webhook,
        time: Date(timeIntervalSince1970: 1_760_000_000),
        subject: .init(kind: "export", uid: "e-1"),
        data: ["export": ["uid": "e-1", "status": "completed", "format": "coco"]]
    )

    static func plugin(_ commands: [String: JSON], maxOutput: Int? = nil) throws -> ExecPlugin {
        var values: [String: JSON] = ["commands": .object(commands)]
        if let maxOutput { values["max_output"] = .number(Double(maxOutput)) }
        return try ExecPlugin(config: PluginConfig(values))
    }

    static func request(_ command: String, args: JSON? = nil, event: Event = event) -> ActionRequest {
        var parameters: [String: JSON] = ["command": .string(command)]
        if let args { parameters["args"] = args }
        return ActionRequest(action: "run", parameters: parameters, event: event, rule: "on-export")
    }

    static func context(dryRun: Bool = false, attempt: Int = 0) -> PluginContext {
        PluginContext(
            logger: Logger(label: "exec-tests", factory: { _ in SwiftLogNoOpLogHandler() }),
            config: PluginConfig(),
            dryRun: dryRun,
            idempotencyKey: "ev-1/on-export/0",
            attempt: attempt
        )
    }

    /// PATH for scripts that call other programs: the child inherits none from the bot.
    static let path: JSON = ["PATH": "/usr/bin:/bin"]

    @Test func exitZeroIsDoneWithTheTailOfStdout() async throws {
        let scripts = try Scripts()
        let plugin = try Self.plugin(["hello": ["path": .string(try scripts.script("hello", "echo 'hello from the script'"))]])
        let outcome = try await plugin.perform(Self.request("hello"), context: Self.context())
        #expect(outcome == .done("ran hello: hello from the script"))
    }

    /// A program that echoes its input puts the whole event (member emails and all) on stdout: the
    /// outcome, journaled, logged and shown on /status, keeps only a short excerpt of its end.
    @Test func theOutcomeKeepsAShortExcerptOfTheOutput() async throws {
        let scripts = try Scripts()
        let emails = (1...50).map { JSON.string("member\($0)@acme.ai") }
        let event = Event(
            id: "ev-2",
            type: "member.joined",
            source: .poller,
            subject: .init(kind: "member", uid: "m-1"),
            data: ["member": ["email": "member1@acme.ai"], "members": .array(emails)]
        )
        let plugin = try Self.plugin([
            "echo": ["path": .string(try scripts.script("echo", "cat")), "env": Self.path],
            "sync": ["path": .string(try scripts.script("sync", "cat\necho\necho 'synced 50 members'")), "env": Self.path],
        ])
        let echoed = try await plugin.perform(Self.request("echo", event: event), context: Self.context())
        guard case .done(let detail) = echoed else {
            Issue.record("expected done, got \(echoed)")
            return
        }
        #expect(detail.hasPrefix("ran echo: …"))
        #expect(detail.count <= "ran echo: ".count + 200, "\(detail.count) characters")
        #expect(!detail.contains("member1@acme.ai"))

        let synced = try await plugin.perform(Self.request("sync", event: event), context: Self.context())
        #expect(synced == .done("ran sync: …synced 50 members"))
    }

    /// A value the config took from a `${…}` reference is taken out of the output before the excerpt is
    /// cut: neither the excerpt's limit nor `max_output` may leave a piece of it.
    @Test func referencedValuesAreRedactedBeforeTheExcerptIsCut() async throws {
        let scripts = try Scripts()
        let secret = "mltok-SECRET-123"
        func plugin(_ body: String, maxOutput: Int? = nil) throws -> ExecPlugin {
            var values: [String: JSON] = ["commands": ["leak": ["path": .string(try scripts.script("leak-\(UUID().uuidString)", body))]]]
            if let maxOutput { values["max_output"] = .number(Double(maxOutput)) }
            return try ExecPlugin(config: PluginConfig(values, referencedValues: [secret, "on"]))
        }
        // The value straddles the excerpt's start: cut first, its end would be kept.
        let filler = String(repeating: "x", count: 190)
        let long = try await plugin("printf '\(secret)\(filler)'").perform(Self.request("leak"), context: Self.context())
        #expect(!long.detail.contains("ECRET") && !long.detail.contains("-123"), "\(long)")
        #expect(long.detail.hasSuffix("redacted]\(filler)"), "\(long)")
        // max_output keeps 15 bytes of the end: the cut falls in the placeholder, never in the value.
        let cut = try await plugin("printf 'token: \(secret) ok'", maxOutput: 15).perform(Self.request("leak"), context: Self.context())
        #expect(cut == .done("ran leak: …[redacted] ok"))
        // A value too short to be a secret is not taken out of every word it is in.
        let short = try await plugin("echo 'turned on'").perform(Self.request("leak"), context: Self.context())
        #expect(short == .done("ran leak: turned on"))
    }

    @Test func exitSeventyFiveAsksForARetry() async throws {
        let scripts = try Scripts()
        let plugin = try Self.plugin(["busy": ["path": .string(try scripts.script("busy", "echo 'receiver busy' >&2\nexit 75"))]])
        let outcome = try await plugin.perform(Self.request("busy"), context: Self.context())
        #expect(outcome == .retry(after: nil, reason: "busy exited 75 (temporary failure): receiver busy"))
    }

    @Test func otherExitStatusFailsWithTheTailOfStderr() async throws {
        let scripts = try Scripts()
        let body = "echo 'this is stdout'\necho 'first line' >&2\necho 'cannot reach the warehouse' >&2\nexit 3"
        let plugin = try Self.plugin(["broken": ["path": .string(try scripts.script("broken", body))]])
        let outcome = try await plugin.perform(Self.request("broken"), context: Self.context())
        #expect(outcome == .failed("broken exited with status 3: first line\ncannot reach the warehouse"))
    }

    @Test func aSignalFails() async throws {
        let scripts = try Scripts()
        let plugin = try Self.plugin(["crash": ["path": .string(try scripts.script("crash", "kill -KILL $$"))]])
        let outcome = try await plugin.perform(Self.request("crash"), context: Self.context())
        #expect(outcome == .failed("crash was killed by signal 9"))
    }

    @Test func theEventArrivesOnStdinAsItsFileForm() async throws {
        let scripts = try Scripts()
        let plugin = try Self.plugin([
            "capture": [
                "path": .string(try scripts.script("capture", "cat > \"$OUT\"")),
                "env": ["PATH": "/usr/bin:/bin", "OUT": .string(scripts.path("stdin.json"))],
            ]
        ])
        let outcome = try await plugin.perform(Self.request("capture"), context: Self.context())
        #expect(outcome == .done("ran capture"))
        let received = try Data(contentsOf: URL(fileURLWithPath: scripts.path("stdin.json")))
        #expect(received == (try Self.event.fileData()))
        #expect(try JSONDecoder().decode(JSON.self, from: received) == Self.event.fileForm)
    }

    @Test func theChildGetsOnlyItsConfiguredEnvironmentAndTheBotsVariables() async throws {
        let host = ProcessInfo.processInfo.environment
        try #require(host["PATH"] != nil && host["HOME"] != nil, "the test needs PATH and HOME set, to see they are not passed")
        // `env` itself, run directly: no shell adds variables of its own.
        let plugin = try Self.plugin(["env": ["path": "/usr/bin/env", "env": ["TEAM_TOKEN": "t0ken", "RETRIES": 3]]])
        let outcome = try await plugin.perform(Self.request("env"), context: Self.context(attempt: 2))
        guard case .done(let detail) = outcome else {
            Issue.record("expected done, got \(outcome)")
            return
        }
        let lines = detail.dropFirst("ran env: ".count).split(separator: "\n").map(String.init)
        let variables = Dictionary(
            lines.map { line in (String(line.prefix { $0 != "=" }), String(line.drop { $0 != "=" }.dropFirst())) },
            uniquingKeysWith: { first, _ in first }
        )
        #expect(
            variables == [
                "TEAM_TOKEN": "t0ken", "RETRIES": "3",
                "AVALA_BOT_EVENT_ID": "ev-1", "AVALA_BOT_EVENT_TYPE": "export.completed", "AVALA_BOT_RULE": "on-export",
                "AVALA_BOT_IDEMPOTENCY_KEY": "ev-1/on-export/0", "AVALA_BOT_ATTEMPT": "2",
            ]
        )
    }

    @Test func theChildStartsWithDefaultSignalsEvenWhenTheBotIgnoresSome() async throws {
        // The bot's service group ignores SIGTERM, SIGINT and SIGHUP to watch them; a child must not
        // inherit that, or it would ignore our timeout's SIGTERM. SIGHUP stands in here, harmless to ignore.
        let previous = signal(SIGHUP, SIG_IGN)
        defer { signal(SIGHUP, previous) }
        let plugin = try Self.plugin(["status": ["path": "/bin/grep", "args": ["-E", "^(SigIgn|SigBlk):", "/proc/self/status"]]])
        let outcome = try await plugin.perform(Self.request("status"), context: Self.context())
        guard case .done(let detail) = outcome else {
            Issue.record("expected done, got \(outcome)")
            return
        }
        let masks = Dictionary(
            detail.dropFirst("ran status: ".count).split(separator: "\n").map { line in
                (String(line.prefix { $0 != ":" }), UInt64(line.drop { $0 != "\t" }.dropFirst(), radix: 16))
            },
            uniquingKeysWith: { first, _ in first }
        )
        // Signals 1-31 only: glibc reserves 32 and 33 for itself and no program uses them.
        #expect(masks["SigIgn"].map { $0.map { $0 & 0x7FFF_FFFF } } == 0)
        #expect(masks["SigBlk"].map { $0.map { $0 & 0x7FFF_FFFF } } == 0)
    }

    @Test func argumentsAreAppendedVerbatimWithoutAShell() async throws {
        let scripts = try Scripts()
        let marker = scripts.path("injected")
        let plugin = try Self.plugin([
            "args": ["path": .string(try scripts.script("args", "printf '%s|' \"$@\"")), "args": ["--fixed", "two words"]]
        ])
        let hostile = "; touch \(marker)"
        let outcome = try await plugin.perform(
            Self.request("args", args: ["e-1", .string(hostile), .string("$(touch \(marker))")]),
            context: Self.context()
        )
        #expect(outcome == .done("ran args: --fixed|two words|e-1|\(hostile)|$(touch \(marker))|"))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    /// An argument the event's data made start with `-` would be read as an option the event chose: the
    /// run is refused (a dry run says so too), unless a `--` of the rule's or the command's comes first.
    @Test func anOptionFromTheEventsDataIsRefusedUnlessAfterDoubleDash() async throws {
        let scripts = try Scripts()
        let script = try scripts.script("args", "printf '%s|' \"$@\"")
        let plugin = try Self.plugin(["args": ["path": .string(script)], "operands": ["path": .string(script), "args": ["-v", "--"]]])
        func request(_ command: String, _ args: [JSON], fromEvent: [Int]) -> ActionRequest {
            var request = Self.request(command, args: .array(args))
            request.optionsFromEvent = ["args": fromEvent]
            return request
        }
        let refused =
            "argument 2 of the rule's args renders to '--output=/etc/passwd' from the event's data, which args would read"
            + " as an option; write \"--\" before it in args (or last in the command's args) if args takes what follows as operands"
        let hostile: [JSON] = ["-n", "--output=/etc/passwd"]
        #expect(try await plugin.perform(request("args", hostile, fromEvent: [1]), context: Self.context()) == .failed(refused))
        #expect(try await plugin.perform(request("args", hostile, fromEvent: [1]), context: Self.context(dryRun: true)) == .failed(refused))
        // The author's own `--` ends the options; one the event supplied does not.
        #expect(
            try await plugin.perform(request("args", ["--", "--output=/etc/passwd"], fromEvent: [1]), context: Self.context())
                == .done("ran args: --|--output=/etc/passwd|")
        )
        #expect(try await plugin.perform(request("args", ["--", "-x"], fromEvent: [0, 1]), context: Self.context()) != .done("ran args: --|-x|"))
        #expect(
            try await plugin.perform(request("operands", ["--output=/etc/passwd"], fromEvent: [0]), context: Self.context())
                == .done("ran operands: -v|--|--output=/etc/passwd|")
        )
        #expect(
            try await plugin.perform(request("args", hostile, fromEvent: []), context: Self.context()) == .done("ran args: -n|--output=/etc/passwd|")
        )
    }

    /// Numbers and flags in a command's `args` are passed as their text, as in `env`.
    @Test func configuredArgumentsMayBeNumbersAndFlags() async throws {
        let scripts = try Scripts()
        let plugin = try Self.plugin([
            "args": [
                "path": .string(try scripts.script("args", "printf '%s|' \"$@\"")), "args": ["--retries", 3, "--dry-run", true, "--ratio", 0.5],
            ]
        ])
        let outcome = try await plugin.perform(Self.request("args"), context: Self.context())
        #expect(outcome == .done("ran args: --retries|3|--dry-run|true|--ratio|0.5|"))
    }

    /// `max_output` takes a size, and is how much of the output the outcome keeps: all of it when it fits,
    /// else "…" and the end, cut on a character.
    @Test func maxOutputIsASizeAndGovernsTheExcerpt() async throws {
        let scripts = try Scripts()
        let long = String(repeating: "x", count: 1_000)
        let command: [String: JSON] = ["long": ["path": .string(try scripts.script("long", "printf '\(long)'"))]]
        func outcome(_ maxOutput: JSON?) async throws -> ActionOutcome {
            var values: [String: JSON] = ["commands": .object(command)]
            values["max_output"] = maxOutput
            return try await ExecPlugin(config: PluginConfig(values)).perform(Self.request("long"), context: Self.context())
        }
        #expect(try await outcome("1KiB") == .done("ran long: \(long)"))
        #expect(try await outcome(1_000) == .done("ran long: \(long)"))
        #expect(try await outcome("500B") == .done("ran long: …\(String(repeating: "x", count: 499))"))
        #expect(try await outcome(nil) == .done("ran long: …\(String(repeating: "x", count: 199))"))

        let accents = OutputDrain.Output(tail: Data(String(repeating: "é", count: 300).utf8), total: 600)
        #expect(ExecPlugin.excerpt(accents, limit: 102, redactor: OutputRedactor([])) == "…" + String(repeating: "é", count: 50))
        #expect(try ExecPlugin(config: PluginConfig(["commands": .object(command), "max_output": "1MB"])).maxOutput == 1_000_000)
        let error = try #require(throws: PluginConfigError.self) {
            try ExecPlugin(config: PluginConfig(["commands": .object(command), "max_output": "4 kb"]))
        }
        #expect(error == PluginConfigError(key: "max_output", #""4 kb" is not a size (write e.g. 512KiB, 1MiB, 1MB or a number of bytes)"#))
    }

    @Test func hugeOutputOnBothStreamsIsDrainedAndBounded() async throws {
        let scripts = try Scripts()
        // 3 MB on each stream, stderr first: reading only one stream at a time would deadlock on a full pipe.
        let body = """
            export PATH=/usr/bin:/bin
            head -c 3000000 /dev/zero | tr '\\0' e >&2
            head -c 3000000 /dev/zero | tr '\\0' o
            echo ' stdout end'
            """
        let runner = CommandRunner(path: try scripts.script("loud", body), arguments: [], environment: [:], timeout: .seconds(60), outputLimit: 4_096)
        let result = try await runner.run(stdin: Data())
        #expect(result.ending == .exited(.exit(0)))
        #expect(result.stdout.total == 3_000_012)
        #expect(result.stderr.total == 3_000_000)
        #expect(result.stdout.tail.count == 4_096)
        #expect(result.stderr.tail.count == 4_096)
        #expect(String(decoding: result.stdout.tail.suffix(12), as: UTF8.self) == " stdout end\n")

        let plugin = try Self.plugin(["loud": ["path": .string(runner.path)]], maxOutput: 4_096)
        let outcome = try await plugin.perform(Self.request("loud"), context: Self.context())
        guard case .done(let detail) = outcome else {
            Issue.record("expected done, got \(outcome)")
            return
        }
        #expect(detail.hasPrefix("ran loud: …ooo"))
        #expect(detail.hasSuffix("o stdout end"))
        // `max_output` bounds the excerpt: "…" in place of one of its 4,096 bytes.
        #expect(detail.utf8.count == "ran loud: …".utf8.count + 4_095)
    }

    @Test func aChildThatNeverReadsStdinDoesNotHurtTheBot() async throws {
        let scripts = try Scripts()
        // A megabyte of event the child never reads: writing it to a pipe would raise SIGPIPE in the bot.
        var event = Self.event
        event.data = ["blob": .string(String(repeating: "x", count: 1_000_000))]
        let plugin = try Self.plugin(["quick": ["path": .string(try scripts.script("quick", "exit 0"))]])
        let outcome = try await plugin.perform(Self.request("quick", event: event), context: Self.context())
        #expect(outcome == .done("ran quick"))
    }

    /// The timeouts below are seconds, not milliseconds, so that the script has written its pid before
    /// it is stopped even when a loaded machine takes a while to start a shell.
    @Test func aTimeoutStopsTheProgramAndRetries() async throws {
        let scripts = try Scripts()
        let pidFile = scripts.path("pid")
        let plugin = try Self.plugin([
            "slow": [
                "path": .string(try scripts.script("slow", "echo $$ > \"$PID_FILE\"\necho 'working' >&2\nsleep 90")),
                "env": ["PATH": "/usr/bin:/bin", "PID_FILE": .string(pidFile)], "timeout": "2s",
            ]
        ])
        let started = ContinuousClock.now
        let outcome = try await plugin.perform(Self.request("slow"), context: Self.context())
        #expect(ContinuousClock.now - started < Self.wellBeforeTheSleepEnds)
        #expect(outcome == .retry(after: nil, reason: "slow timed out after 2s and was stopped: working"))
        let pid = try #require(
            Int32(
                String(decoding: try Data(contentsOf: URL(fileURLWithPath: pidFile)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            )
        )
        #expect(Self.isGone(pid))
    }

    /// A descriptor the bot holds without close-on-exec (here a file opened by hand, at 200) does not
    /// reach the program: only its stdin, stdout and stderr do.
    @Test func aProgramInheritsOnlyItsStandardDescriptors() async throws {
        let scripts = try Scripts()
        let held = open(scripts.path("held"), O_CREAT | O_WRONLY, 0o600)
        try #require(held >= 0)
        defer { close(held) }
        let leaky = fcntl(held, F_DUPFD, 200)
        try #require(leaky >= 200)
        defer { close(leaky) }
        #expect(fcntl(leaky, F_GETFD) & FD_CLOEXEC == 0, "the test's descriptor must be inheritable")
        let runner = CommandRunner(
            path: try scripts.script("look", "if [ -e /proc/self/fd/\(leaky) ]; then echo inherited; else echo clean; fi"),
            arguments: [],
            environment: ["PATH": "/usr/bin:/bin"],
            timeout: .seconds(10),
            outputLimit: 1_024
        )
        let result = try await runner.run(stdin: Data())
        #expect(result.ending == .exited(.exit(0)))
        #expect(String(decoding: result.stdout.tail, as: UTF8.self) == "clean\n")
    }

    @Test func aProgramIgnoringSIGTERMIsKilled() async throws {
        let scripts = try Scripts()
        let pidFile = scripts.path("pid")
        var runner = CommandRunner(
            path: try scripts.script("stubborn", "trap '' TERM\necho $$ > \"$PID_FILE\"\nsleep 90"),
            arguments: [],
            environment: ["PATH": "/usr/bin:/bin", "PID_FILE": pidFile],
            timeout: .seconds(2),
            outputLimit: 1_024
        )
        runner.killGrace = .milliseconds(200)
        // Waiting on the outputs for longer than `sleep` lives: only killing the whole process group (the
        // shell and its `sleep`, which holds stdout too) ends this run well before 30 seconds.
        runner.drainGrace = .seconds(60)
        let started = ContinuousClock.now
        let result = try await runner.run(stdin: Data())
        #expect(ContinuousClock.now - started < Self.wellBeforeTheSleepEnds)
        #expect(result.ending == .timedOut(.signal(SIGKILL)))
        let pid = try #require(
            Int32(
                String(decoding: try Data(contentsOf: URL(fileURLWithPath: pidFile)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            )
        )
        #expect(Self.isGone(pid))
    }

    /// The shell dies of its SIGTERM at the timeout, but its background worker ignores SIGTERM: the
    /// group's SIGKILL must still reach the worker, though the shell is gone by then.
    @Test func aTimeoutKillsABackgroundWorkerThatOutlivesTheProgram() async throws {
        let scripts = try Scripts()
        let pidFile = scripts.path("worker")
        var runner = CommandRunner(
            path: try scripts.script(
                "leader",
                "sh -c 'trap \"\" TERM; while :; do sleep 1; done' >/dev/null 2>&1 &\necho $! > \"$PID_FILE\"\nwait"
            ),
            arguments: [],
            environment: ["PATH": "/usr/bin:/bin", "PID_FILE": pidFile],
            timeout: .seconds(2),
            outputLimit: 1_024
        )
        runner.killGrace = .milliseconds(200)
        let result = try await runner.run(stdin: Data())
        #expect(result.ending == .timedOut(.signal(SIGTERM)))
        let worker = try #require(
            Int32(
                String(decoding: try Data(contentsOf: URL(fileURLWithPath: pidFile)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            )
        )
        defer { _ = kill(worker, SIGKILL) }
        // The SIGKILL was sent before `run` returned; its delivery is the kernel's, a moment later.
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while !Self.isDeadOrZombie(worker), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(Self.isDeadOrZombie(worker), "the worker survived the timeout")
    }

    @Test func outputHeldOpenByABackgroundChildIsAbandonedAfterTheGrace() async throws {
        let scripts = try Scripts()
        let pidFile = scripts.path("background")
        var runner = CommandRunner(
            path: try scripts.script("daemonish", "sleep 90 &\necho $! > \"$PID_FILE\"\necho started"),
            arguments: [],
            environment: ["PATH": "/usr/bin:/bin", "PID_FILE": pidFile],
            timeout: .seconds(60),
            outputLimit: 1_024
        )
        runner.drainGrace = .milliseconds(100)
        let started = ContinuousClock.now
        let result = try await runner.run(stdin: Data())
        #expect(ContinuousClock.now - started < Self.wellBeforeTheSleepEnds)
        #expect(result.ending == .exited(.exit(0)))
        #expect(String(decoding: result.stdout.tail, as: UTF8.self) == "started\n")
        if let pid = Int32(
            String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: pidFile))) ?? Data(), as: UTF8.self).trimmingCharacters(
                in: .whitespacesAndNewlines
            )
        ) {
            _ = kill(pid, SIGKILL)
        }
    }

    @Test func cancellationKillsAndReapsTheProgram() async throws {
        let scripts = try Scripts()
        let pidFile = scripts.path("pid")
        let plugin = try Self.plugin([
            "slow": [
                "path": .string(try scripts.script("slow", "echo $$ > \"$PID_FILE\"\nexec sleep 90")),
                "env": ["PATH": "/usr/bin:/bin", "PID_FILE": .string(pidFile)],
            ]
        ])
        let started = ContinuousClock.now
        let task = Task { try await plugin.perform(Self.request("slow"), context: Self.context()) }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - started < Self.wellBeforeTheSleepEnds)
        if let text = try? Data(contentsOf: URL(fileURLWithPath: pidFile)),
            let pid = Int32(String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        {
            #expect(Self.isGone(pid))
        }
    }

    /// Cancelled (the bot stopping), a program is asked to stop first: SIGTERM, which it may trap to clean
    /// up, and SIGKILL only after the grace, which one that ignores SIGTERM still gets.
    @Test(arguments: [true, false])
    func cancellationSendsSIGTERMBeforeSIGKILL(trapsTERM: Bool) async throws {
        let scripts = try Scripts()
        let pidFile = scripts.path("pid")
        let marker = scripts.path("cleaned-up")
        let trap = trapsTERM ? "trap 'echo cleaned > \"$MARKER\"; exit 0' TERM" : "trap '' TERM"
        // The trap is set before the pid is written: once the pid is there, SIGTERM meets the trap.
        let runner = CommandRunner(
            path: try scripts.script("worker", "\(trap)\necho $$ > \"$PID_FILE.tmp\"\nmv \"$PID_FILE.tmp\" \"$PID_FILE\"\nwhile :; do sleep 1; done"),
            arguments: [],
            environment: ["PATH": "/usr/bin:/bin", "PID_FILE": pidFile, "MARKER": marker],
            timeout: .seconds(600),
            outputLimit: 1_024
        )
        let started = ContinuousClock.now
        let ended = Mutex(false)
        let task = Task {
            defer { ended.withLock { $0 = true } }
            return try await runner.run(stdin: Data())
        }
        defer { task.cancel() }
        // Until the pid is written or the run is over: a run that could not start or ended early is
        // reported with its own result at once, not as the cancellation that would follow the wait.
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while !FileManager.default.fileExists(atPath: pidFile), !ended.withLock({ $0 }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        guard let text = try? Data(contentsOf: URL(fileURLWithPath: pidFile)) else {
            if ended.withLock({ $0 }) {
                Issue.record("the run ended before the program wrote its pid: \(await task.result)")
            } else {
                Issue.record("the program wrote no pid within 30 s, and its run still goes on")
            }
            return
        }
        let pid = try #require(Int32(String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - started < Self.wellBeforeTheSleepEnds)
        #expect(Self.isGone(pid), "the program outlived its run")
        let cleaned = try? String(contentsOfFile: marker, encoding: .utf8)
        #expect(cleaned == (trapsTERM ? "cleaned\n" : nil))
    }

    @Test func aProgramThatCannotStartFails() async throws {
        let scripts = try Scripts()
        let path = try scripts.script("vanishing", "exit 0")
        let plugin = try Self.plugin(["vanishing": ["path": .string(path)]])
        try FileManager.default.removeItem(atPath: path)
        let outcome = try await plugin.perform(Self.request("vanishing"), context: Self.context())
        #expect(outcome.name == "failed")
        #expect(outcome.detail.hasPrefix("could not start vanishing: "))
    }

    @Test func anUnknownCommandFailsNamingTheKnownOnes() async throws {
        let scripts = try Scripts()
        let path = JSON.string(try scripts.script("ok", "exit 0"))
        let plugin = try Self.plugin(["deploy": ["path": path], "notify": ["path": path]])
        let outcome = try await plugin.perform(Self.request("rm -rf /"), context: Self.context())
        #expect(outcome == .failed("unknown command 'rm -rf /'; configured: deploy, notify"))
    }

    @Test func dryRunDescribesWithoutRunning() async throws {
        let scripts = try Scripts()
        let marker = scripts.path("ran")
        let plugin = try Self.plugin([
            "touch": ["path": .string(try scripts.script("touch", "/usr/bin/touch \"$MARKER\"")), "env": ["MARKER": .string(marker)]]
        ])
        let outcome = try await plugin.perform(Self.request("touch", args: ["e-1"]), context: Self.context(dryRun: true))
        #expect(outcome == .done("would run touch with arguments: e-1"))
        #expect(!FileManager.default.fileExists(atPath: marker))
        // The same request for real does run: the check above can fail.
        _ = try await plugin.perform(Self.request("touch", args: ["e-1"]), context: Self.context())
        #expect(FileManager.default.fileExists(atPath: marker))
    }

    /// Command configs that are wrong, and the key each error must name.
    static let badCommands: [(name: String, command: @Sendable (Scripts) throws -> JSON, key: String)] = [
        ("relative path", { _ in ["path": "bin/notify"] }, "commands.c.path"),
        ("missing file", { ["path": .string($0.path("nowhere"))] }, "commands.c.path"),
        ("not executable", { ["path": .string(try $0.script("plain", "exit 0", mode: 0o644))] }, "commands.c.path"),
        ("a directory", { ["path": .string($0.directory.path)] }, "commands.c.path"),
        ("no path", { _ in ["args": ["x"]] }, "commands.c.path"),
        ("unknown key", { ["path": .string(try $0.script("ok", "exit 0")), "shell": "bash -c"] }, "commands.c.shell"),
        ("args not strings", { ["path": .string(try $0.script("ok", "exit 0")), "args": [["a": 1]]] }, "commands.c.args"),
        ("args not a list", { ["path": .string(try $0.script("ok", "exit 0")), "args": "--quiet"] }, "commands.c.args"),
        ("bare-number timeout", { ["path": .string(try $0.script("ok", "exit 0")), "timeout": "30"] }, "commands.c.timeout"),
        ("zero timeout", { ["path": .string(try $0.script("ok", "exit 0")), "timeout": "0s"] }, "commands.c.timeout"),
        ("reserved variable", { ["path": .string(try $0.script("ok", "exit 0")), "env": ["AVALA_BOT_RULE": "x"]] }, "commands.c.env.AVALA_BOT_RULE"),
        ("env not a mapping", { ["path": .string(try $0.script("ok", "exit 0")), "env": ["A=1"]] }, "commands.c.env"),
        ("not a mapping", { _ in "/bin/true" }, "commands.c"),
    ]

    @Test(arguments: badCommands.indices)
    func badCommandConfigNamesTheKey(index: Int) throws {
        let scripts = try Scripts()
        let bad = Self.badCommands[index]
        let command = try bad.command(scripts)
        let error = try #require(throws: PluginConfigError.self, "\(bad.name)") { try Self.plugin(["c": command]) }
        #expect(error.key == bad.key, "\(bad.name): \(error)")
    }

    @Test func missingCommandsAndBadMaxOutputAreConfigErrors() throws {
        #expect(throws: PluginConfigError(key: "commands", "required: at least one command (name → {path, args, env, timeout})")) {
            try ExecPlugin(config: PluginConfig())
        }
        let error = try #require(throws: PluginConfigError.self) { try Self.plugin(["ok": ["path": "/bin/sh"]], maxOutput: 0) }
        #expect(error.key == "max_output")
        #expect(throws: Never.self) { try Self.plugin(["ok": ["path": "/bin/sh", "args": ["-c", "true"], "timeout": "5s"]]) }
    }

    /// Reaped and gone: `kill(pid, 0)` finds no such process.
    static func isGone(_ pid: Int32) -> Bool {
        kill(pid, 0) == -1 && errno == ESRCH
    }

    /// Gone, or dead and waiting for a parent that is not this process to reap it (an orphan's zombie,
    /// when the container's first process does not reap).
    static func isDeadOrZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        // The state follows the command name, which is in parentheses and may hold spaces.
        guard let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}
