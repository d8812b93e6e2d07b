import Foundation
import TestSupport
import Testing

/// The committed `.swift-format` is the style; `swift format lint --strict` must find nothing.
@Suite struct FormattingTests {
    @Test func sourcesFollowTheCommittedFormat() async throws {
        let root = ArchitectureTests.root
        let lint = try await ChildProcess.run(
            "/usr/bin/env",
            ["swift", "format", "lint", "--strict", "--recursive", "Sources", "Tests", "Package.swift"],
            in: root,
            includingErrors: true
        )
        #expect(lint.status == 0, "swift format lint --strict:\n\(lint.output.prefix(4_000))")
    }
}
