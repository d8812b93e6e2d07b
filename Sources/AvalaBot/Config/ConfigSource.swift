import BotEngine
import BotKit
import Foundation
import Yams

/// Reads a YAML config file into a located ``ConfigNode`` tree and resolves `${NAME}` and
/// `${file:/path}` references per scalar — after parsing, so a value can never inject YAML.
struct ConfigSource {
    /// The environment references are read from.
    var environment: [String: String]
    /// `check-config --no-env`: leave references unresolved (a placeholder) and only list them.
    var resolveReferences = true
    /// `simulate`: a reference that cannot be resolved is left as written without an error; it is
    /// listed in ``Loaded/unset`` instead.
    var keepUnresolvable = false

    /// The tree and the environment variables the file refers to.
    struct Loaded {
        var root: ConfigNode
        var variables: Set<String>
        /// References that could not be resolved (an unset variable, an unreadable file): each is left
        /// unresolved in the tree, as `--no-env` leaves them, so the rest of the file is still checked.
        /// Also the keys written twice, each left out (``ConfigSource/removingRenamed(_:path:renamed:into:)``).
        var unresolved: [ConfigDiagnostic] = []
        /// With ``ConfigSource/keepUnresolvable``: the references left as written, and why.
        var unset: [ConfigDiagnostic] = []

        /// `diagnostic`'s message without any referenced value (``Redactor/redacted(_:)-(ConfigDiagnostic)``).
        /// For many diagnostics, make one ``redactor`` and use it for each.
        func redacted(_ diagnostic: ConfigDiagnostic) -> String { redactor.redacted(diagnostic) }

        /// `text` without any referenced value of 8 characters or more (``Redactor/redacted(_:)-(String)``).
        func redacted(_ text: String) -> String { redactor.redacted(text) }

        /// What redacts this tree's referenced values from messages, its indexes built once.
        var redactor: Redactor { Redactor(root: root) }
    }

    func load(path: String) throws(ConfigDiagnostic) -> Loaded {
        let text: String
        do {
            text = try TextFile.read(path)
        } catch {
            throw ConfigDiagnostic(at: nil, path: path, "cannot read the config file: \(error.reason)")
        }
        return try parse(text, file: path)
    }

    func parse(_ text: String, file: String) throws(ConfigDiagnostic) -> Loaded {
        let node: Node?
        let renamed: [RenamedKey]
        try Self.refuseAliases(in: text, file: file)
        do {
            (node, renamed) = try Self.composeRenamingDuplicates(text)
        } catch let error as YamlError {
            throw Self.syntaxDiagnostic(error, file: file)
        } catch {
            // Not the reader's own error: its description is not known to leave the text out.
            throw ConfigDiagnostic(at: SourceLocation(file: file, line: 1), path: "", "cannot be read as YAML")
        }
        // A document that is only `---` (and comments) holds one empty scalar: it is as empty as an empty
        // file, and reads the same, with every default.
        let isEmptyDocument = node.map { if case .scalar(let scalar) = $0 { scalar.string.isEmpty && scalar.style == .plain } else { false } }
        guard let node, isEmptyDocument != true else {
            return Loaded(root: .mapping([], SourceLocation(file: file, line: 1)), variables: [])
        }
        var variables: Set<String> = []
        var unresolved: [ConfigDiagnostic] = []
        var unset: [ConfigDiagnostic] = []
        var root = try convert(node, file: file, path: "", variables: &variables, unresolved: &unresolved, unset: &unset)
        if !renamed.isEmpty { root = Self.removingRenamed(root, path: "", renamed: renamed, into: &unresolved) }
        return Loaded(root: root, variables: variables, unresolved: unresolved, unset: unset)
    }

    private func convert(
        _ node: Node,
        file: String,
        path: String,
        variables: inout Set<String>,
        unresolved: inout [ConfigDiagnostic],
        unset: inout [ConfigDiagnostic]
    ) throws(ConfigDiagnostic)
        -> ConfigNode
    {
        let location = SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        switch node {
        case .scalar(let scalar):
            if let problem = ConfigReference.problem(in: scalar.string) {
                // Meant as a reference, so never taken as literal text: an error in every mode, and left
                // unresolved so that no check reads the text as the value it stands for.
                unresolved.append(ConfigDiagnostic(at: location, path: path, problem))
                return .scalar(scalar.string, .reference(scalar.string, resolved: false), location)
            }
            if let reference = ConfigReference(scalar.string) {
                let written = scalar.string.trimmingCharacters(in: .whitespaces)
                do {
                    let value = try resolve(reference, at: location, path: path, variables: &variables)
                    return .scalar(value, .reference(written, resolved: resolveReferences), location)
                } catch {
                    // Reported, and the rest of the file is still checked (every unset variable too).
                    if keepUnresolvable { unset.append(error) } else { unresolved.append(error) }
                    return .scalar(written, .reference(written, resolved: false), location)
                }
            }
            let plain = scalar.style == .plain || scalar.style == .any
            return .scalar(scalar.string, plain ? .plain : .quoted, location)
        case .mapping(let mapping):
            var entries: [ConfigNode.Entry] = []
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw ConfigDiagnostic(at: location, path: path, "mapping keys must be plain text")
                }
                let keyLocation = SourceLocation(file: file, line: key.mark?.line ?? location.line, column: key.mark?.column ?? 1)
                let childPath = path.isEmpty ? keyScalar.string : "\(path).\(keyScalar.string)"
                entries.append(
                    ConfigNode.Entry(
                        key: keyScalar.string,
                        keyLocation: keyLocation,
                        value: try convert(value, file: file, path: childPath, variables: &variables, unresolved: &unresolved, unset: &unset)
                    )
                )
            }
            return .mapping(entries, location)
        case .sequence(let sequence):
            var items: [ConfigNode] = []
            for (index, item) in sequence.enumerated() {
                items.append(try convert(item, file: file, path: "\(path)[\(index)]", variables: &variables, unresolved: &unresolved, unset: &unset))
            }
            return .sequence(items, location)
        case .alias:
            // Refused before reading (ConfigSource+Aliases.swift); Yams composes none of these.
            throw ConfigDiagnostic(at: location, path: path, "YAML aliases are not supported: write the value out")
        }
    }

    /// `text` with a whole-scalar reference resolved (unchanged when it is none), or nil when the
    /// reference cannot be resolved. For commands that load the config without resolving and then
    /// need one value after all (`simulate`'s API key).
    func resolvedValue(_ text: String) -> String? {
        guard let reference = ConfigReference(text) else { return text }
        var variables: Set<String> = []
        var source = self
        source.resolveReferences = true
        return try? source.resolve(reference, at: SourceLocation(file: "", line: 0), path: "", variables: &variables)
    }

    private func resolve(
        _ reference: ConfigReference,
        at location: SourceLocation,
        path: String,
        variables: inout Set<String>
    )
        throws(ConfigDiagnostic) -> String
    {
        switch reference {
        case .environment(let name):
            variables.insert(name)
            guard resolveReferences else { return "${\(name)}" }
            guard let value = environment[name] else {
                throw ConfigDiagnostic(at: location, path: path, "environment variable \(name) is not set")
            }
            // Set but empty is a deployment's mistake (a secret store's entry not filled in, an `export`
            // of an unset variable): named here, rather than met later as "found nothing" or "is empty"
            // with no word of where the nothing came from.
            guard !value.isEmpty else { throw ConfigDiagnostic(at: location, path: path, "${\(name)} is set but empty") }
            return value
        case .file(let file):
            guard resolveReferences else { return "${file:\(file)}" }
            var content: String
            do {
                content = try TextFile.read(file)
            } catch {
                throw ConfigDiagnostic(at: location, path: path, "cannot read \(file) (from ${file:…}): \(error.reason)")
            }
            // One trailing newline is removed, as files written by editors and `echo` end in one.
            if content.hasSuffix("\r\n") { content.removeLast(2) } else if content.hasSuffix("\n") { content.removeLast() }
            return content
        }
    }
}
