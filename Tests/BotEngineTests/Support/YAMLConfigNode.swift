import BotEngine
import Yams

/// Test fixtures in YAML: Yams parses, this turns its nodes into located ``ConfigNode``s, so that
/// diagnostics name real lines (`rules.yaml:7`). BotEngine itself never parses YAML.
enum YAMLConfigNode {
    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    /// The document's root node.
    static func parse(_ yaml: String, file: String = "rules.yaml") throws -> ConfigNode {
        guard let node = try Yams.compose(yaml: yaml) else { throw Invalid(description: "empty YAML document") }
        return try convert(node, file: file)
    }

    static func convert(_ node: Node, file: String) throws -> ConfigNode {
        let location = SourceLocation(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
        switch node {
        case .scalar(let scalar):
            return .scalar(scalar.string, scalar.style != .plain && scalar.style != .any ? .quoted : .plain, location)
        case .mapping(let mapping):
            return .mapping(
                try mapping.map { key, value in
                    guard case .scalar(let keyScalar) = key else { throw Invalid(description: "a mapping key that is not a scalar") }
                    let keyLocation = SourceLocation(file: file, line: key.mark?.line ?? 0, column: key.mark?.column ?? 0)
                    return ConfigNode.Entry(key: keyScalar.string, keyLocation: keyLocation, value: try convert(value, file: file))
                },
                location
            )
        case .sequence(let sequence):
            return .sequence(try sequence.map { try convert($0, file: file) }, location)
        case .alias:
            throw Invalid(description: "aliases are not used in these fixtures")
        }
    }
}
