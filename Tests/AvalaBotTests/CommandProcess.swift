import Foundation
import TestSupport
import Testing

/// One `avala-bot` command run as a separate process, as from a shell: what a test needs to see its real
/// exit status and what it printed where (argument-parser's usage text, a fatal error's backtrace) and to
/// send it a signal.
///
/// Standard output and standard error each go to a file in ``directory`` (its working directory too), so
/// nothing blocks on a full pipe.
final class CommandProcess: Sendable {
    let directory: URL
    private let process: SpawnedProcess
    private let outputPath: String
    private let errorPath: String

    /// Starts `avala-bot arguments…` in `directory` (created when missing).
    init(_ arguments: [String], environment: [String: String] = [:], in directory: URL) throws {
        self.directory = directory
        outputPath = directory.appendingPathComponent("stdout.txt").path
        errorPath = directory.appendingPathComponent("stderr.txt").path
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        defer {
            try? output.close()
            try? errors.close()
        }
        process = try BotProcess.launch(arguments, environment: environment, output: output, errors: errors, in: directory)
    }

    /// What a command that ran to its end did.
    struct Result {
        var exit: BotProcess.Exit
        var output: String
        var errors: String
    }

    /// Runs `avala-bot arguments…` to its end in a fresh temporary directory, which is removed after; a
    /// command still running after `timeout` (one that should have failed and started instead) is killed
    /// and fails the test.
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("command-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let command = try CommandProcess(arguments, environment: environment, in: directory)
        do {
            try await Eventually.until(timeout: timeout) { command.process.exit != nil }
        } catch {
            command.send(SIGKILL)
            throw BotProcess.Failure(
                description: "avala-bot \(arguments.joined(separator: " ")) still ran after \(timeout):\n\(command.output)\n\(command.errors)"
            )
        }
        return Result(exit: await command.waitForExit(), output: command.output, errors: command.errors)
    }

    /// A test that fails half-way must not leave a process running after it.
    deinit {
        process.send(SIGKILL)
    }

    func send(_ signal: Int32) {
        process.send(signal)
    }

    func waitForExit() async -> BotProcess.Exit {
        await process.waitForExit()
    }

    /// Waits until standard output contains `text`; fails (showing both outputs) when the process ends
    /// first or `timeout` passes.
    func waitForOutput(containing text: String, timeout: Duration = .seconds(60)) async throws {
        do {
            try await Eventually.until(timeout: timeout) { output.contains(text) || process.exit != nil }
        } catch {
            throw BotProcess.Failure(description: "no '\(text)' within \(timeout):\n\(output)\n\(errors)")
        }
        guard output.contains(text) else {
            throw BotProcess.Failure(description: "ended (\(process.exit.map(\.description) ?? "?")) before '\(text)':\n\(output)\n\(errors)")
        }
    }

    /// Standard output so far.
    var output: String { Self.read(outputPath) }
    /// Standard error so far.
    var errors: String { Self.read(errorPath) }

    private static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
