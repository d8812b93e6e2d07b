import Foundation
import Testing

/// The committed `.swift-format` is the style; `swift format lint --strict` must find nothing.
@Suite struct FormattingTests {
    @Test func sourcesFollowTheCommittedFormat() async throws {
        let root = ArchitectureTests.root
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift", "format", "lint", "--strict", "--recursive", "Sources", "Tests", "Package.swift"]
        process.currentDirectoryURL = root
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Read before waiting, so a long report cannot fill the pipe and stall the linter.
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "swift format lint --strict:\n\(report.prefix(4_000))")
    }
}
