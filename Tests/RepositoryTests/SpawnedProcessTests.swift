import Foundation
import TestSupport
import Testing

/// The launcher every test that starts a program relies on: exits and signals reported as they happened,
/// exactly the environment and directory given, and none of the test process's descriptors passed on.
@Suite struct SpawnedProcessTests {
    @Test func anExitStatusAndASignalAreReportedApart() async throws {
        let exited = try SpawnedProcess("/bin/sh", ["-c", "exit 7"])
        #expect(await exited.waitForExit() == .status(7))
        #expect(exited.exit == .status(7))

        let killed = try SpawnedProcess("/bin/sh", ["-c", "kill -TERM $$; sleep 5"])
        #expect(await killed.waitForExit() == .signal(SIGTERM))
        #expect(killed.exit?.shellStatus == 128 + SIGTERM)
    }

    @Test func aSignalReachesTheProgramOnlyWhileItRuns() async throws {
        let sleeper = try SpawnedProcess("/bin/sleep", ["30"])
        #expect(sleeper.isRunning)
        sleeper.send(SIGINT)
        #expect(await sleeper.waitForExit() == .signal(SIGINT))
        // After the reap the pid may belong to another process: nothing is sent, and nothing changes.
        sleeper.send(SIGKILL)
        #expect(sleeper.exit == .signal(SIGINT))
    }

    @Test func theProgramGetsExactlyTheEnvironmentAndDirectoryGiven() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spawned-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await ChildProcess.run("/bin/sh", ["-c", "pwd; env | sort"], in: directory, environment: ["ONLY": "this one"])
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(result.status == 0)
        #expect(lines.first == directory.resolvingSymlinksInPath().path, "\(lines)")
        #expect(lines.contains("ONLY=this one"), "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("HOME=") }, "the test's environment leaked: \(lines)")
    }

    @Test func noDescriptorOfTheTestReachesTheProgram() async throws {
        // A descriptor without close-on-exec, as a library might leave one. Moved well above 3: `ls` reads
        // /proc/self/fd through a descriptor of its own, the lowest free one (3), and when the test process
        // happened to have 3 free, the leak check took ls's own descriptor for the test's.
        let opened = open("/dev/null", O_RDONLY)
        try #require(opened >= 0)
        let leaked = fcntl(opened, F_DUPFD, 100)
        close(opened)
        try #require(leaked >= 100)
        defer { close(leaked) }
        let result = try await ChildProcess.run("/bin/sh", ["-c", "ls /proc/self/fd"])
        let open = Set(result.output.split(separator: "\n").compactMap { Int32($0) })
        #expect(!open.contains(leaked), "descriptor \(leaked) reached the program: \(open.sorted())")
        #expect(open.isSuperset(of: [0, 1, 2]))
    }

    @Test func aProgramThatCannotStartSaysWhich() {
        #expect {
            try SpawnedProcess("/nonexistent/program", [])
        } throws: { error in
            "\(error)".contains("cannot start /nonexistent/program: No such file or directory")
        }
    }

    /// Foundation's `Process` crashes a run now and then on this toolchain (see ``SpawnedProcess``): no
    /// source, test or plugin may start one.
    @Test func nothingStartsAFoundationProcess() throws {
        var users: [String] = []
        for folder in ["Sources", "Plugins", "Tests"] {
            let directory = ArchitectureTests.root.appendingPathComponent(folder)
            guard let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in files where url.pathExtension == "swift" {
                let text = try String(contentsOf: url, encoding: .utf8)
                if text.contains(/[^A-Za-z_]Process\(/) { users.append("\(folder)/\(url.lastPathComponent)") }
            }
        }
        #expect(users.isEmpty, "Foundation.Process in \(users); start programs with SpawnedProcess or ChildProcess")
    }
}
