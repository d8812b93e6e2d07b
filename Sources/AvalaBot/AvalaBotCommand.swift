import ArgumentParser

/// `avala-bot`: the executable's root command.
@main
struct AvalaBotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "avala-bot",
        abstract: "A self-hosted automation bot for the Avala annotation platform.",
        discussion: """
            Start with `avala-bot demo`, which runs against an embedded Avala simulator and needs no key.
            """,
        version: "0.1.0",
        subcommands: [
            DemoCommand.self, RunCommand.self, CheckConfigCommand.self, SimulateCommand.self, EventsCommand.self,
            DeadLettersCommand.self, SilencesCommand.self, SignCommand.self, SimulatorCommand.self,
        ]
    )
}
