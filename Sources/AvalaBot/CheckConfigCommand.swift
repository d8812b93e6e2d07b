import ArgumentParser
import BotEngine
import Foundation
import NIOCore
import WebhookListener

/// `avala-bot check-config`: validates the config and its rules; every error names file, line and key path.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the config file and its rules; exit 1 on any error.",
        discussion: """
            Every problem is printed as FILE:LINE KEY.PATH: MESSAGE. Warnings (a rule on an event type \
            avala-bot does not know, a template path the rule's events never carry, a webhook secret shorter than \
            16 bytes, a listener address in use) do not fail the check.
            """
    )

    @Option(name: .long, help: "The config file.")
    var config = "config/avala-bot.yaml"

    @Flag(name: .customLong("no-env"), help: "Do not resolve ${…} references; list the variables a deployment must set.")
    var noEnvironment = false

    func run() throws {
        var loader = ConfigLoader()
        loader.resolveReferences = !noEnvironment
        // With its environment, check what `run` would need from it: the API key, the TLS files, the roster.
        loader.checkDeployment = !noEnvironment
        var loaded = loader.load(path: config)
        // Not for --no-env: the address may be a reference, and is the deployment's.
        if !noEnvironment, let inUse = Self.listenerAddressProblem(loaded) {
            loaded.diagnostics.append(inUse)
            // At its line among the others, as the loader orders them.
            loaded.diagnostics.sort { ($0.location?.line ?? 0, $0.path) < ($1.location?.line ?? 0, $1.path) }
        }
        for diagnostic in loaded.diagnostics { Console.line(diagnostic.description) }
        if noEnvironment {
            // The defaults a deployment must provide count as much as the file's own references.
            let variables = loaded.variables.union(loaded.implicitVariables)
            if !variables.isEmpty { Console.line("Environment variables this config needs: \(variables.sorted().joined(separator: ", "))") }
            if !loaded.referencedFiles.isEmpty {
                Console.line("Files this config reads (${file:…}): \(loaded.referencedFiles.sorted().joined(separator: ", "))")
            }
            if !loaded.deploymentFiles.isEmpty {
                let files = loaded.deploymentFiles.sorted { $0.key < $1.key }.map { "\($0.value) (\($0.key))" }
                Console.line("Files a deployment must provide: \(files.joined(separator: ", "))")
            }
        }
        let errors = loaded.errors.count
        let warnings = loaded.warnings.count
        if errors > 0 {
            Console.line("\(config): \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
            throw ExitCode(1)
        }
        let rules = loaded.rules.count
        Console.line(
            "\(config): OK — \(rules) rule\(rules == 1 ? "" : "s"), plugins: \(loaded.pluginNames.joined(separator: ", ").ifEmpty("none"))"
                + (warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : "")
        )
    }
}

extension CheckConfigCommand {
    /// `listener.bind` bound once and let go: `run` would stop at once on an address it cannot bind. A
    /// warning, not an error: what holds it may be the bot this config runs, and the check may run where
    /// the bot does not.
    static func listenerAddressProblem(_ loaded: LoadedConfiguration) -> ConfigDiagnostic? {
        guard let section = loaded.configuration.listener, let (host, port) = try? WebhookListenerConfiguration.parseBind(section.bind),
            port != 0
        else { return nil }
        do {
            try ListenerAddressCheck.bind(host: host, port: port).wait()
            return nil
        } catch {
            let setting = "listener.bind"
            var message = WebhookListenerError.bindFailure(error, setting: setting, host: host, port: port)?.message ?? "\(host):\(port): \(error)"
            if message.hasPrefix(setting + " ") { message.removeFirst(setting.count + 1) }
            if message.hasSuffix("address already in use") {
                message += " (if avala-bot runs with this config, that is the bot itself; otherwise `run` cannot start until it is free)"
            }
            let node = loaded.root?["listener"]
            return ConfigDiagnostic(.warning, at: node?["bind"]?.location ?? node?.location, path: setting, message)
        }
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
