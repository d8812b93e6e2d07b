import BotKit
import Foundation
import InMemoryLogging
import Logging
import Testing

@testable import LogPlugin

@Suite struct LogPluginTests {
    static let event = Event(
        id: "ev-1",
        type: "export.failed",
        source: .webhook,
        subject: .init(kind: "export", uid: "e-1"),
        data: ["export": ["uid": "e-1", "status": "failed"]]
    )

    static func request(level: String?) -> ActionRequest {
        var parameters: [String: JSON] = ["message": "export e-1 failed"]
        if let level { parameters["level"] = .string(level) }
        return ActionRequest(action: "write", parameters: parameters, event: event, rule: "watch")
    }

    static func context(_ logs: InMemoryLogHandler, dryRun: Bool = false) -> PluginContext {
        PluginContext(logger: Logger(label: "log-tests") { _ in logs }, config: PluginConfig(), dryRun: dryRun, idempotencyKey: "ev-1/watch/0")
    }

    /// A level rendered from a template (`level: "{{export.severity}}"`) is checked when the action runs,
    /// as a literal one is at load: one outside the choices fails the action, naming them, in a dry run
    /// too, and nothing is logged at a level the rule did not ask for.
    @Test(arguments: ["error", "critical", "loud", "Warning"])
    func aRenderedLevelOutsideTheChoicesFails(level: String) async throws {
        let plugin = try LogPlugin(config: PluginConfig())
        let logs = InMemoryLogHandler()
        let expected = ActionOutcome.failed("level '\(level)' is not one of: debug, info, notice, warning")
        #expect(try await plugin.perform(Self.request(level: level), context: Self.context(logs)) == expected)
        #expect(try await plugin.perform(Self.request(level: level), context: Self.context(logs, dryRun: true)) == expected)
        #expect(logs.entries.isEmpty)
    }

    @Test func aRenderedLevelInTheChoicesIsLoggedAtIt() async throws {
        let plugin = try LogPlugin(config: PluginConfig())
        let logs = InMemoryLogHandler()
        #expect(try await plugin.perform(Self.request(level: "warning"), context: Self.context(logs)) == .done("logged: export e-1 failed"))
        #expect(try await plugin.perform(Self.request(level: nil), context: Self.context(logs)) == .done("logged: export e-1 failed"))
        #expect(logs.entries.map(\.level) == [.warning, .info])
    }

    /// The outcome is journaled, logged and shown on /status: it keeps the first 500 characters of a long
    /// message, cut on a character, while the log line keeps the whole message.
    @Test func aLongMessageIsLoggedWholeAndCutInTheOutcome() async throws {
        let plugin = try LogPlugin(config: PluginConfig())
        let logs = InMemoryLogHandler()
        // A flag is one character of two code points: the cut must not split it.
        let message = String(repeating: "a", count: 499) + String(repeating: "🇫🇷", count: 1000)
        let request = ActionRequest(action: "write", parameters: ["message": .string(message)], event: Self.event, rule: "watch")
        let cut = String(repeating: "a", count: 499) + "🇫🇷…"
        #expect(try await plugin.perform(request, context: Self.context(logs)) == .done("logged: \(cut)"))
        #expect(try await plugin.perform(request, context: Self.context(logs, dryRun: true)) == .done("would log: \(cut)"))
        #expect(logs.entries.map(\.message.description) == [message])
        let short = String(repeating: "b", count: 500)
        let whole = ActionRequest(action: "write", parameters: ["message": .string(short)], event: Self.event, rule: "watch")
        #expect(try await plugin.perform(whole, context: Self.context(logs)) == .done("logged: \(short)"))
    }
}
