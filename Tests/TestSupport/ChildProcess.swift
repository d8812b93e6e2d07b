public import Foundation

/// Runs a program to its end and gives what it printed.
///
/// The output goes to a file, not a pipe: `readDataToEndOfFile()` on a pipe traps when a signal lands
/// during the read (`EINTR`), and the test process gets many (the exec plugin's children exiting).
public enum ChildProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
    }

    /// - Parameter includingErrors: standard error into the same output (else it is discarded).
    public static func run(
        _ executable: String,
        _ arguments: [String],
        in directory: URL? = nil,
        includingErrors: Bool = false
    ) throws -> Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString).out")
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = includingErrors ? handle : FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: try String(contentsOf: file, encoding: .utf8))
    }
}
