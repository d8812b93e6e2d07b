public import Foundation

/// Runs a program to its end and gives what it printed.
///
/// The output goes to a file, not a pipe: a read from a pipe traps when a signal lands during it
/// (`EINTR`), and the test process gets many (the exec plugin's children exiting).
public enum ChildProcess {
    public struct Result: Sendable {
        /// The exit status, or 128 plus the number of the signal that ended the program.
        public var status: Int32
        public var output: String
    }

    /// Suspends until the program ends, leaving the cooperative pool's threads free. There is no
    /// blocking variant: the pool has one thread per core (two here) and adds none for a blocked one, so
    /// a test that waited on a thread for `swift format lint` (30–60 s under load) or for python stalled
    /// every other test's tasks meanwhile, and their timeouts ran out (an exec run not even started after 36 s).
    ///
    /// - Parameters:
    ///   - environment: the program's whole environment; nil for the test process's.
    ///   - includingErrors: standard error into the same output (else it is discarded).
    public static func run(
        _ executable: String,
        _ arguments: [String],
        in directory: URL? = nil,
        environment: [String: String]? = nil,
        includingErrors: Bool = false
    ) async throws -> Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString).out")
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let process: SpawnedProcess
        do {
            let handle = try FileHandle(forWritingTo: file)
            // The program has its own copy of the descriptor: this one is closed once it has started.
            defer { try? handle.close() }
            process = try SpawnedProcess(
                executable,
                arguments,
                environment: environment,
                in: directory?.path,
                output: handle.fileDescriptor,
                errors: includingErrors ? handle.fileDescriptor : nil
            )
        }
        let status = await process.waitForExit().shellStatus
        return Result(status: status, output: try String(contentsOf: file, encoding: .utf8))
    }
}
