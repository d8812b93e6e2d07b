import Foundation
import TestSupport
import Testing

/// The built `avala-bot` binary, run as a separate process: what a test needs to kill it for real
/// (SIGKILL ends it mid-write, which no in-process test can do) and to start it again on the same files.
///
/// Its output goes to a log file next to the config, so nothing blocks on a full pipe and a failing test
/// can show what the bot said.
final class BotProcess: Sendable {
    /// How the process ended.
    typealias Exit = SpawnedProcess.Exit

    let logPath: String
    /// The listener's bound port, read from the log once it listens.
    let port: Int
    private let process: SpawnedProcess

    /// The binary `swift test` builds next to the test bundle (it builds every product of the package).
    static func binary() throws -> URL {
        let bundle = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        let binary = bundle.deletingLastPathComponent().appendingPathComponent("avala-bot")
        try #require(
            FileManager.default.isExecutableFile(atPath: binary.path),
            "no avala-bot binary at \(binary.path): `swift test` builds it; `swift build` does too"
        )
        return binary
    }

    /// Starts `avala-bot run --config configPath` and returns once its listener listens.
    ///
    /// - Parameter logPath: where its stdout and stderr go (appended, so a restart adds to the same file).
    init(configPath: String, environment: [String: String], logPath: String) async throws {
        self.logPath = logPath
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        try log.seekToEnd()
        let startOffset = try log.offset()

        let process = try Self.launch(["run", "--config", configPath], environment: environment, output: log, errors: log)
        self.process = process

        // Hummingbird logs the bound address once the listener accepts connections.
        var found: Int?
        do {
            try await Eventually.until(timeout: .seconds(60)) {
                if process.exit != nil { return true }
                let text = Self.read(logPath, from: startOffset)
                found = text.firstMatch(of: /listening on 127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) }
                return found != nil
            }
        } catch {
            process.send(SIGTERM)
            throw Failure(description: "avala-bot did not listen within 60 s:\n\(Self.read(logPath, from: startOffset))")
        }
        guard let found else {
            throw Failure(description: "avala-bot ended before it listened:\n\(Self.read(logPath, from: startOffset))")
        }
        port = found
    }

    /// Starts the avala-bot binary with `arguments` and the test's environment plus `environment`, with no
    /// input.
    static func launch(
        _ arguments: [String],
        environment: [String: String],
        output: FileHandle,
        errors: FileHandle,
        in directory: URL? = nil
    ) throws -> SpawnedProcess {
        try SpawnedProcess(
            try binary().path,
            arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
            in: directory?.path,
            output: output.fileDescriptor,
            errors: errors.fileDescriptor
        )
    }

    /// A test that fails half-way must not leave a bot running after it.
    deinit {
        process.send(SIGKILL)
    }

    func send(_ signal: Int32) {
        process.send(signal)
    }

    /// How the process ended, or nil while it runs.
    var exit: Exit? { process.exit }

    /// Waits until the process has ended.
    func waitForExit() async -> Exit {
        await process.waitForExit()
    }

    /// Everything the bot has logged into `logPath` so far.
    var log: String { Self.read(logPath, from: 0) }

    private static func read(_ path: String, from offset: UInt64) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }
}
