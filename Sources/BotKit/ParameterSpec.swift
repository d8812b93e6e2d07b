/// One parameter of an action, or one key of a plugin's config, as `check-config` validates it.
///
/// ```swift
/// ParameterSpec("email", .string, required: true, summary: "Address to invite; a template.")
/// ```
public struct ParameterSpec: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        /// `size`: bytes, or a size as CONFIG.md writes one (``ConfigSize``).
        case string, int, number, bool, duration, size, list, object, any
    }

    public var name: String
    public var kind: Kind
    /// A required parameter that renders empty fails the action permanently, naming the path.
    public var required: Bool
    public var summary: String
    /// Allowed values, when the parameter is an enumeration (`role`: owner, admin, member).
    public var choices: [String]
    /// The values are paths into the event (`group_by: [project.uid]`): rules check them as they check
    /// the paths of templates and `where`, since a slip would otherwise resolve to nothing on every event.
    public var eventPaths: Bool
    /// The values are a program's arguments (`exec`'s `args`): the plan names each item whose text
    /// starts with `-` that the event put there (``ActionRequest/optionsFromEvent``), so the plugin can
    /// refuse an option the event's data would inject.
    public var arguments: Bool

    public init(
        _ name: String,
        _ kind: Kind,
        required: Bool = false,
        choices: [String] = [],
        eventPaths: Bool = false,
        arguments: Bool = false,
        summary: String = ""
    ) {
        self.name = name
        self.kind = kind
        self.required = required
        self.choices = choices
        self.eventPaths = eventPaths
        self.arguments = arguments
        self.summary = summary
    }
}

/// One action a plugin offers: its main action is written `plugin:`, others `plugin.action:`.
public struct ActionSpec: Hashable, Sendable {
    public var name: String
    public var isMain: Bool
    public var parameters: [ParameterSpec]
    public var summary: String
    /// Groups of parameters of which each action must name at least one (`[["project", "dataset"]]`):
    /// alternatives, none of them required alone, but an action with none of them can never work.
    public var requiresOneOf: [[String]]

    public init(_ name: String, main: Bool = false, parameters: [ParameterSpec], summary: String = "", requiresOneOf: [[String]] = []) {
        self.name = name
        self.isMain = main
        self.parameters = parameters
        self.summary = summary
        self.requiresOneOf = requiresOneOf
    }
}
