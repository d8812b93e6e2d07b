import ArgumentParser
import AvalaAPI
import AvalaSimulator
import BotEngine
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals
import WebhookListener

/// `avala-bot demo`: the whole bot against an embedded Avala simulator — TLS listener with a certificate
/// made on the spot, pollers, rules and the three jobs — printed as a timeline. No key, no network.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run avala-bot's three jobs against an embedded Avala simulator (no key, no network).",
        discussion: """
            Starts the simulator, a stand-in for Slack and the bot with config/demo.yaml behind a TLS listener, \
            subscribes the simulator's webhooks to it, then plays: a member joins (→ invited elsewhere), an \
            export completes (→ the next export starts), an export fails (→ an alert). Exits 0 when all three \
            are done. With --keep-running it stays up for curl and a browser until Ctrl-C.
            """
    )

    @Option(name: .long, help: "The demo config; its ${DEMO_*} values are filled in by the demo.")
    var config = "config/demo.yaml"

    @Flag(name: .long, help: "Stay up after the scenario, printing the URLs to try, until Ctrl-C.")
    var keepRunning = false

    @Option(name: .long, help: "Seconds the scenario may take before the demo fails.")
    var timeout: Int = 30

    @OptionGroup var logging: LoggingOptions

    /// A timeout of 0 or less would fail the scenario before it starts, as if the demo were broken.
    func validate() throws {
        if timeout < 1 { throw ValidationError("--timeout must be at least 1") }
    }

    func run() async throws {
        let gate = MutableLogHandler.Switch()
        // The timeline is the demo's output; the log shows only what went wrong, unless asked for more.
        let logger = logging.bootstrap(label: "avala-bot.demo", defaultLevel: .warning, gate: gate)
        // The demo's /metrics must show what `run`'s would: every module's counters reach its registry.
        let metrics = MetricsExport()
        metrics.bootstrap()
        _ = try await DemoRun(config: config, keepRunning: keepRunning, timeout: .seconds(timeout), metrics: metrics).run(logger: logger, gate: gate)
    }
}
