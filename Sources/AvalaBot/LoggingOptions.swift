public import ArgumentParser
public import Logging

/// `--log-level`, shared by every command that logs.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(name: .long, help: "logfmt or json: one structured line per entry on standard error.")
    var logFormat: LineLogHandler.Format = .logfmt

    /// Bootstraps swift-log once for the process and returns the root logger; `gate` can silence it later.
    func bootstrap(label: String, gate: MutableLogHandler.Switch? = nil) -> Logger {
        let level = logLevel
        let format = logFormat
        LoggingSystem.bootstrap { label in
            let line = LineLogHandler(label: label, format: format, level: level)
            guard let gate else { return line }
            return MutableLogHandler(base: line, gate: gate)
        }
        return Logger(label: label)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension LineLogHandler.Format: ExpressibleByArgument {}
