public import ArgumentParser
public import Logging

/// `--log-level`, shared by every command that logs.
struct LoggingOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "trace, debug, info, notice, warning, error or critical (default: the config's log.level where the command reads a config, else info)."
    )
    var logLevel: Logger.Level?

    @Option(
        name: .long,
        help:
            "logfmt or json: one structured line per entry on standard error (default: the config's log.format where the command reads a config, else logfmt)."
    )
    var logFormat: LineLogHandler.Format?

    /// Bootstraps swift-log once for the process and returns the root logger; a flag wins over the
    /// config's `log.level` / `log.format`, which win over `defaultLevel` and logfmt. `gate` can silence
    /// it later.
    func bootstrap(
        label: String,
        defaultLevel: Logger.Level = .info,
        config: (level: String, format: String)? = nil,
        gate: MutableLogHandler.Switch? = nil
    ) -> Logger {
        let level = logLevel ?? config.flatMap { Logger.Level(rawValue: $0.level) } ?? defaultLevel
        let format = logFormat ?? config.flatMap { LineLogHandler.Format(rawValue: $0.format) } ?? .logfmt
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
