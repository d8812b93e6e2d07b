import BotKit
import Foundation

/// One entry of `plugins.exec.commands`: a program that rules may run by name.
///
/// ```yaml
/// plugins:
///   exec:
///     commands:
///       notify:
///         path: /usr/local/bin/notify-team   # absolute; must exist and be executable
///         args: ["--channel", "labeling", "--retries", 3]  # always passed first; numbers and flags as text
///         env: { TEAM_TOKEN: "${TEAM_TOKEN}" } # the whole environment the program gets
///         timeout: 30s                         # default 30s
/// ```
struct ExecCommand: Hashable, Sendable {
    static let defaultTimeout: Duration = .seconds(30)
    static let keys = ["path", "args", "env", "timeout"]

    var name: String
    var path: String
    var args: [String]
    var env: [String: String]
    var timeout: Duration

    /// - Throws: ``PluginConfigError`` with a key below `commands.<name>`.
    init(name: String, config value: JSON) throws {
        let prefix = "commands.\(name)"
        guard let object = value.objectValue else {
            throw PluginConfigError(key: prefix, "expected a mapping with path, and optionally args, env and timeout")
        }
        for key in object.keys.sorted() where !Self.keys.contains(key) {
            throw PluginConfigError(key: "\(prefix).\(key)", "unknown key '\(key)'; known: \(Self.keys.joined(separator: ", "))")
        }
        let config = PluginConfig(object)
        do {
            args = try Self.arguments(object["args"])
            env = try Self.environment(object["env"])
            timeout = try config.duration("timeout") ?? Self.defaultTimeout
            guard timeout > .zero else { throw PluginConfigError(key: "timeout", "must be longer than 0s") }
            // Checked last: `check-config` sets aside a command whose path no stand-in fixes (a missing or
            // relative one), so a key checked after it would never be reported.
            guard let path = try config.string("path"), !path.isEmpty else {
                throw PluginConfigError(key: "path", "required: the absolute path of the program to run")
            }
            try Self.checkExecutable(path)
            self.path = path
        } catch let error as PluginConfigError {
            throw PluginConfigError(key: "\(prefix).\(error.key)", error.message)
        }
        self.name = name
    }

    /// Checked at load, so a typo in a path is a config error rather than a dead letter at 3 a.m.
    private static func checkExecutable(_ path: String) throws(PluginConfigError) {
        // Relative paths would depend on the bot's working directory, and bare names on a PATH lookup the
        // child never gets: both would make what runs depend on where the bot was started.
        guard path.hasPrefix("/") else { throw PluginConfigError(key: "path", "must be an absolute path (starting with /)") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PluginConfigError(key: "path", "\(path) does not exist")
        }
        guard !isDirectory.boolValue, FileManager.default.isExecutableFile(atPath: path) else {
            throw PluginConfigError(key: "path", "\(path) is not an executable file")
        }
    }

    /// YAML writes `--retries, 3` with a number and `--dry-run, true` with a flag; the program gets text
    /// either way, as for `env`.
    private static func arguments(_ value: JSON?) throws(PluginConfigError) -> [String] {
        guard let value, value != .null else { return [] }
        let problem = PluginConfigError(key: "args", "expected a list of strings, numbers or true/false")
        guard let items = value.arrayValue else { throw problem }
        return try items.map { item throws(PluginConfigError) in
            switch item {
            case .string, .number, .integer, .bool: return item.text
            default: throw problem
            }
        }
    }

    private static func environment(_ value: JSON?) throws(PluginConfigError) -> [String: String] {
        guard let value, value != .null else { return [:] }
        guard let object = value.objectValue else { throw PluginConfigError(key: "env", "expected a mapping of variable names to values") }
        var env: [String: String] = [:]
        for (name, value) in object {
            guard !name.isEmpty, !name.contains("="), !name.contains("\0") else {
                throw PluginConfigError(key: "env.\(name)", "not a valid environment variable name")
            }
            guard !name.hasPrefix(ExecEnvironment.reservedPrefix) else {
                throw PluginConfigError(key: "env.\(name)", "\(ExecEnvironment.reservedPrefix)* variables are set by the bot")
            }
            // YAML writes `DEBUG: 1` as a number; the program sees text either way. Never quote the value:
            // it is often a token.
            switch value {
            case .string, .number, .integer, .bool: env[name] = value.text
            default: throw PluginConfigError(key: "env.\(name)", "expected a string")
            }
        }
        return env
    }
}
