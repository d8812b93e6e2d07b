/// An Avala API capability a plugin declares; its context reaches only the declared ones.
public enum AvalaScope: String, Hashable, Sendable, CaseIterable {
    case readMembers = "read_members"
    case invite
    case manageTeams = "manage_teams"
    /// Removing members (the invite plugin's roster with `remove_extras: true`).
    case manageMembers = "manage_members"
    case readExports = "read_exports"
    case createExports = "create_exports"
    case readProjects = "read_projects"
}

/// A plugin called an Avala action it did not declare.
public struct ScopeError: Error, Hashable, Sendable, CustomStringConvertible {
    public var scope: AvalaScope
    public init(_ scope: AvalaScope) { self.scope = scope }
    public var description: String { "this plugin did not declare the Avala scope '\(scope.rawValue)'" }

    /// As the adapters throw it: permanent, since only a new build of the plugin can declare the scope,
    /// and retrying would fail the same way every time.
    public var actionError: ActionError { .permanent(description) }
}
