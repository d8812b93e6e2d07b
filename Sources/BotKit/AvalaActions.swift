public import Foundation

/// The Avala API as plugins see it: only the actions bot plugins need, in BotKit's own types. The
/// adapter in AvalaBot implements it over the API client, enforces the plugin's declared scopes and
/// dry-run, and never hands out the key.
public protocol AvalaActions: Sendable {
    func members(organization: String) async throws -> [AvalaMember]
    /// The members whose email is `email` (case-insensitive): one filtered request, not every page.
    func members(organization: String, email: String) async throws -> [AvalaMember]
    /// The invitations the API lists as not yet answered: pending ones, and expired ones, which Avala may
    /// keep listing (`is_expired: true`, `status: expired`, an `expires_at` past) until they are resent or
    /// cancelled. ``AvalaInvitation/hasExpired(at:)`` tells them apart: an expired one invites nobody.
    func pendingInvitations(organization: String) async throws -> [AvalaInvitation]
    func invite(organization: String, email: String, role: String) async throws -> AvalaInvitation
    func resendInvitation(organization: String, uid: String) async throws
    func cancelInvitation(organization: String, uid: String) async throws
    /// The members of a team (every page), so that adding someone can first check they are not in it.
    func teamMembers(organization: String, team: String) async throws -> [AvalaMember]
    func addTeamMember(organization: String, team: String, userUID: String, role: String?) async throws
    func removeMember(organization: String, userUID: String) async throws
    func exports(createdSince: Date?) async throws -> [AvalaExport]
    func export(uid: String) async throws -> AvalaExport
    func createExport(_ request: AvalaExportRequest) async throws -> AvalaExport
    /// Records a chain link for an export that already exists (one adopted after a crash, whose
    /// creation was not recorded): its depth, whether to follow it, and the action that owns it.
    func recordChain(exportUID: String, depth: Int, follow: Bool, owner: String?) async throws
    /// Which action the bot recorded as having created (or adopted) the export, if any: an export
    /// another action owns is never adopted as one's own.
    func exportOwner(uid: String) async throws -> ExportOwner
    /// How long one API request may take before the client gives up on it. A request given up on may
    /// still be acted on by Avala after that: a new attempt waits at least this long before it repeats
    /// something whose outcome it does not know.
    var requestTimeout: TimeInterval { get }
    /// Records, before an export is requested, what it exports and the depth its events must carry, so
    /// that they keep that depth even when the export's uid is never recorded (a crash between Avala
    /// creating it and ``recordChain(exportUID:depth:follow:owner:)``, a lost answer). Replaces an intent of
    /// the same id.
    func recordChainIntent(_ intent: ExportChainIntent) async throws
    /// Removes the intent of `id` once the outcome is known: the export's uid recorded, or the request
    /// refused. Kept while the outcome is unknown (a timeout, a 5xx).
    func removeChainIntent(id: String) async throws
    /// Every action's intent whose outcome is not known yet: an export one of them may still be
    /// recorded for is not another action's to adopt.
    func pendingChainIntents() async throws -> [ExportChainIntent]
    func project(uid: String) async throws -> AvalaProject
}

public struct AvalaMember: Hashable, Sendable {
    public var userUID: String
    public var email: String?
    public var username: String?
    public var role: String?
    public init(userUID: String, email: String?, username: String? = nil, role: String? = nil) {
        self.userUID = userUID
        self.email = email
        self.username = username
        self.role = role
    }
}

public struct AvalaInvitation: Hashable, Sendable {
    public var uid: String
    public var email: String
    public var role: String?
    public var status: String?
    public var isExpired: Bool?
    public var expiresAt: Date?
    public init(uid: String, email: String, role: String? = nil, status: String? = nil, isExpired: Bool? = nil, expiresAt: Date? = nil) {
        self.uid = uid
        self.email = email
        self.role = role
        self.status = status
        self.isExpired = isExpired
        self.expiresAt = expiresAt
    }

    /// Whether the API shows it expired, by the rule the invitations poller also uses
    /// (``InvitationExpiry``), for an invitation listed now. An expired invitation can no longer be
    /// accepted, so it is no reason to leave the person uninvited.
    public func hasExpired(at now: Date) -> Bool {
        InvitationExpiry.hasExpired(status: status, isExpired: isExpired, expiresAt: expiresAt, now: now, stillListed: true)
    }
}

public struct AvalaExport: Hashable, Sendable {
    public var uid: String
    public var status: String?
    public var format: String?
    public var projects: [String]
    public var datasets: [String]
    /// The dataset slices it exports, when it exports slices.
    public var slices: [String]
    public var downloadURL: String?
    public var error: String?
    public var createdAt: Date?
    public init(
        uid: String,
        status: String? = nil,
        format: String? = nil,
        projects: [String] = [],
        datasets: [String] = [],
        slices: [String] = [],
        downloadURL: String? = nil,
        error: String? = nil,
        createdAt: Date? = nil
    ) {
        self.uid = uid
        self.status = status
        self.format = format
        self.projects = projects
        self.datasets = datasets
        self.slices = slices
        self.downloadURL = downloadURL
        self.error = error
        self.createdAt = createdAt
    }
}

/// Which of the request shapes avala-api.md documents an export is created with
/// (`plugins.export.request_shape`).
public enum AvalaExportShape: String, Hashable, Sendable, CaseIterable {
    /// `POST /exports/ {name, format, projects, datasets}`.
    case docs
    /// The SDK's `POST /exports/ {project}` or `{dataset}`: no format.
    case sdk
    /// `POST /projects/{uid}/exports/ {format}`.
    case project
}

/// Who the bot recorded as the creator of an export.
public enum ExportOwner: Hashable, Sendable {
    /// The bot never recorded the export: another's (a person's, another tool's), or one whose
    /// creation the bot lost (a crash, a lost answer).
    case unrecorded
    /// Created or adopted by the action with this idempotency key.
    case action(String)
    /// Recorded before the bot kept owners: some action's, not known which.
    case unknown
}

public struct AvalaExportRequest: Hashable, Sendable {
    public var shape: AvalaExportShape
    public var name: String
    public var format: String?
    public var projects: [String]
    public var datasets: [String]
    /// The chain depth the new export's events will carry (the triggering event's depth + 1). The
    /// adapter records it with the export's uid, so a webhook or a poller bringing news of that export
    /// later gives its event this depth.
    public var chainDepth: Int
    /// Have the exports watcher check this export until it is terminal, even without `pollers.exports`.
    public var follow: Bool
    /// The idempotency key of the action asking: recorded as the export's owner.
    public var owner: String?
    public init(
        shape: AvalaExportShape = .docs,
        name: String,
        format: String?,
        projects: [String] = [],
        datasets: [String] = [],
        chainDepth: Int = 0,
        follow: Bool = false,
        owner: String? = nil
    ) {
        self.owner = owner
        self.shape = shape
        self.name = name
        self.format = format
        self.projects = projects
        self.datasets = datasets
        self.chainDepth = chainDepth
        self.follow = follow
    }
}

public struct AvalaProject: Hashable, Sendable {
    public var uid: String
    public var name: String
    public var status: String?
    public init(uid: String, name: String, status: String?) {
        self.uid = uid
        self.name = name
        self.status = status
    }
}

/// The actions of a plugin that declared no Avala scope: every call is refused, for good (see
/// ``ScopeError/actionError``).
public struct NoAvalaActions: AvalaActions {
    public init() {}
    public func members(organization: String) async throws -> [AvalaMember] { throw ScopeError(.readMembers).actionError }
    public func members(organization: String, email: String) async throws -> [AvalaMember] { throw ScopeError(.readMembers).actionError }
    public func pendingInvitations(organization: String) async throws -> [AvalaInvitation] { throw ScopeError(.readMembers).actionError }
    public func invite(organization: String, email: String, role: String) async throws -> AvalaInvitation {
        throw ScopeError(.invite).actionError
    }
    public func resendInvitation(organization: String, uid: String) async throws { throw ScopeError(.invite).actionError }
    public func cancelInvitation(organization: String, uid: String) async throws { throw ScopeError(.invite).actionError }
    public func teamMembers(organization: String, team: String) async throws -> [AvalaMember] { throw ScopeError(.readMembers).actionError }
    public func addTeamMember(organization: String, team: String, userUID: String, role: String?) async throws {
        throw ScopeError(.manageTeams).actionError
    }
    public func removeMember(organization: String, userUID: String) async throws { throw ScopeError(.manageMembers).actionError }
    public func exports(createdSince: Date?) async throws -> [AvalaExport] { throw ScopeError(.readExports).actionError }
    public func export(uid: String) async throws -> AvalaExport { throw ScopeError(.readExports).actionError }
    public func createExport(_ request: AvalaExportRequest) async throws -> AvalaExport { throw ScopeError(.createExports).actionError }
    public func recordChain(exportUID: String, depth: Int, follow: Bool, owner: String?) async throws {
        throw ScopeError(.createExports).actionError
    }
    public func exportOwner(uid: String) async throws -> ExportOwner { throw ScopeError(.readExports).actionError }
    public var requestTimeout: TimeInterval { 30 }
    public func recordChainIntent(_ intent: ExportChainIntent) async throws { throw ScopeError(.createExports).actionError }
    public func removeChainIntent(id: String) async throws { throw ScopeError(.createExports).actionError }
    public func pendingChainIntents() async throws -> [ExportChainIntent] { throw ScopeError(.readExports).actionError }
    public func project(uid: String) async throws -> AvalaProject { throw ScopeError(.readProjects).actionError }
}
