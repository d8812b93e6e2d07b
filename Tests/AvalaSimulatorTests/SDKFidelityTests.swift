import AvalaSimulator
import Foundation
import TestSupport
import Testing

/// The official Python SDK (`avala==0.10.0`, unchanged) against the simulator: where it fails, the
/// simulator is wrong, not the SDK.
///
/// `.ci/run` installs the SDK; on a machine without it the test is skipped locally, but under CI
/// (`CI` set) a missing SDK is a failure, so the check can never silently stop running.
@Suite struct SDKFidelityTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SDKFidelity/sdk_fidelity.py")

    /// Looked up once, suspending (python must not hold one of the cooperative pool's two threads).
    static let sdkInstalled = Task {
        let check = "import sys; from importlib.metadata import version; import avala; sys.exit(0 if version('avala') == '0.10.0' else 1)"
        return (try? await ChildProcess.run("/usr/bin/env", ["python3", "-c", check]).status) == 0
    }

    static let inCI = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } ?? false

    @Test(.enabled("the official SDK is not installed: pip install avala==0.10.0") { await sdkInstalled.value || inCI })
    func theOfficialSDKAcceptsTheSimulator() async throws {
        try #require(await Self.sdkInstalled.value, "CI must install the SDK: pip install avala==0.10.0")
        var configuration = SimulatorConfiguration(apiKey: "avk_sim_sdk_fidelity_key")
        configuration.exportCompletionAfter = .milliseconds(800)
        configuration.webhookRetryDelays = [.milliseconds(200), .milliseconds(400)]
        configuration.webhookTimeout = .seconds(2)
        let output = try await SimulatorHarness.with(configuration) { harness in
            try await Self.runScript(baseURL: harness.baseURL, apiKey: harness.apiKey)
        }
        let lines = output.text.split(separator: "\n").map(String.init)
        let failures = lines.filter { $0.hasPrefix("FAIL ") }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(output.status == 0)
        let summary = try #require(lines.last { $0.hasSuffix(" failed") })
        #expect(summary.hasSuffix(" passed, 0 failed"))
        // The script covers every call the issue names; fewer checks means it stopped early.
        #expect(lines.filter { $0.hasPrefix("ok ") }.count >= 30)
        #expect(!output.text.contains("avk_sim_sdk_fidelity_key"))
    }

    static func runScript(baseURL: String, apiKey: String) async throws -> (status: Int32, text: String) {
        var environment = ProcessInfo.processInfo.environment.filter { $0.key == "PATH" || $0.key == "HOME" || $0.key.hasPrefix("PYTHON") }
        environment["AVALA_BASE_URL"] = baseURL
        environment["AVALA_API_KEY"] = apiKey
        environment["AVALA_ALLOW_INSECURE_BASE_URL"] = "1"
        environment["SDK_CHECK_EXPORT_TIMEOUT"] = "30"
        environment["SDK_CHECK_DELIVERY_TIMEOUT"] = "15"
        // Suspends rather than blocks: the simulator needs the cooperative pool's threads meanwhile.
        let result = try await ChildProcess.run(
            "/usr/bin/env",
            ["python3", script.path],
            environment: environment,
            includingErrors: true
        )
        return (result.status, result.output)
    }
}
