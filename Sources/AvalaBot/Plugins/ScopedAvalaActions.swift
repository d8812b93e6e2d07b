import AvalaAPI
import BotEngine
import BotKit
import Foundation
import Logging

/// The Avala actions a plugin sees: the API client behind the plugin's declared scopes, with dry-run
/// enforced here as well as in the plugin (a plugin that forgets to check `dryRun` still changes
/// nothing). The key stays inside the client.
struct ScopedAvalaActions: AvalaActions {
    let client: AvalaClient
    /// Where created exports' chain depths are recorded. Nil only for `simulate`'s dry run, which never
    /// gets that far: a dry run refuses the change first.
    let store: (any EventStore)?
    let scopes: Set<AvalaScope>
    let dryRun: Bool
    /// How far back `exports(createdSince:)` pages at most (newest first).
    var maxExportPages = 5

    /// Both refusals are permanent: neither an undeclared scope nor a dry run changes between attempts.
    private func require(_ scope: AvalaScope, changes: Bool = false) throws {
        guard scopes.contains(scope) else { throw ScopeError(scope).actionError }
        if changes, dryRun { throw ActionError.permanent(DryRunRefusal(scope: scope).description) }
    }

    func members(organization: String) async throws -> [AvalaMember] {
        try require(.readMembers)
        return try await translated { try await Self.whole(client.members(organization: organization), listing: "members") }.map(Self.member)
    }

    func members(organization: String, email: String) async throws -> [AvalaMember] {
        try require(.readMembers)
        let wanted = email.lowercased()
        return try await translated { try await Self.whole(client.members(organization: organization, search: email), listing: "members") }
            .filter { $0.email?.lowercased() == wanted }.map(Self.member)
    }

    func pendingInvitations(organization: String) async throws -> [AvalaInvitation] {
        try require(.readMembers)
        return try await translated { try await Self.whole(client.invitations(organization: organization), listing: "invitations") }
            .filter { $0.status == nil || $0.status == .pending || $0.status == .expired }
            .map {
                AvalaInvitation(
                    uid: $0.uid,
                    email: $0.invitedEmail,
                    role: $0.role?.rawValue,
                    status: $0.status?.rawValue,
                    isExpired: $0.isExpired,
                    expiresAt: $0.expiresAt
                )
            }
    }

    func invite(organization: String, email: String, role: String) async throws -> AvalaInvitation {
        try require(.invite, changes: true)
        let invitation = try await translated {
            try await client.createInvitation(organization: organization, email: email, role: MemberRole(rawValue: role))
        }
        return AvalaInvitation(
            uid: invitation.uid,
            email: invitation.invitedEmail,
            role: invitation.role?.rawValue,
            status: invitation.status?.rawValue
        )
    }

    func resendInvitation(organization: String, uid: String) async throws {
        try require(.invite, changes: true)
        try await translated { try await client.resendInvitation(organization: organization, uid: uid) }
    }

    func cancelInvitation(organization: String, uid: String) async throws {
        try require(.invite, changes: true)
        try await translated { try await client.cancelInvitation(organization: organization, uid: uid) }
    }

    func teamMembers(organization: String, team: String) async throws -> [AvalaMember] {
        try require(.readMembers)
        return try await translated { try await Self.whole(client.teamMembers(organization: organization, team: team), listing: "team members") }.map
        { member in
            AvalaMember(userUID: member.userUID, email: member.email, username: member.username, role: member.role)
        }
    }

    func addTeamMember(organization: String, team: String, userUID: String, role: String?) async throws {
        try require(.manageTeams, changes: true)
        _ = try await translated { try await client.addTeamMember(organization: organization, team: team, userUID: userUID, role: role) }
    }

    func removeMember(organization: String, userUID: String) async throws {
        try require(.manageMembers, changes: true)
        try await translated { try await client.removeMember(organization: organization, userUID: userUID) }
    }

    func exports(createdSince: Date?) async throws -> [AvalaExport] {
        try require(.readExports)
        let maxExportPages = self.maxExportPages
        return try await translated {
            var found: [AvalaExport] = []
            var pages = 0
            for try await page in client.exports(ordering: "-created_at").pages {
                pages += 1
                for export in page.results {
                    if let createdSince, let created = export.createdAt, created < createdSince { return found }
                    found.append(Self.export(export))
                }
                if pages >= maxExportPages { break }
            }
            return found
        }
    }

    func export(uid: String) async throws -> AvalaExport {
        try require(.readExports)
        return Self.export(try await translated { try await client.export(uid: uid) })
    }

    func createExport(_ request: AvalaExportRequest) async throws -> AvalaExport {
        try require(.createExports, changes: true)
        let body: ExportRequest
        switch request.shape {
        case .docs:
            body = .documented(name: request.name, format: request.format ?? "", projects: request.projects, datasets: request.datasets)
        case .sdk:
            if let project = request.projects.first {
                body = .sdkProject(project)
            } else {
                body = .sdkDataset(request.datasets.first ?? "")
            }
        case .project:
            body = .projectScoped(project: request.projects.first ?? "", format: request.format ?? "")
        }
        let export = try await translated { try await client.createExport(body) }
        try await recordChain(exportUID: export.uid, depth: request.chainDepth, follow: request.follow, owner: request.owner)
        return Self.export(export)
    }

    func recordChain(exportUID: String, depth: Int, follow: Bool, owner: String?) async throws {
        try require(.createExports, changes: true)
        guard let store else { throw ActionError.permanent("no event store to record the export's chain depth in") }
        try await ExportChain(store: store).record(exportUID: exportUID, depth: depth, follow: follow, owner: owner)
    }

    func exportOwner(uid: String) async throws -> ExportOwner {
        try require(.readExports)
        guard let store else { return .unrecorded }
        return try await ExportChain(store: store).owner(exportUID: uid)
    }

    var requestTimeout: TimeInterval { client.configuration.timeout.seconds }

    func recordChainIntent(_ intent: ExportChainIntent) async throws {
        try require(.createExports, changes: true)
        guard let store else { throw ActionError.permanent("no event store to record the export's chain intent in") }
        try await PendingChainIntents(store: store).record(intent)
    }

    func pendingChainIntents() async throws -> [ExportChainIntent] {
        try require(.readExports)
        guard let store else { return [] }
        return try await PendingChainIntents(store: store).all()
    }

    func removeChainIntent(id: String) async throws {
        try require(.createExports, changes: true)
        guard let store else { throw ActionError.permanent("no event store to remove the export's chain intent from") }
        try await PendingChainIntents(store: store).remove(id: id)
    }

    func project(uid: String) async throws -> AvalaProject {
        try require(.readProjects)
        let project = try await translated { try await client.project(uid: uid) }
        return AvalaProject(uid: project.uid, name: project.name, status: project.status?.rawValue)
    }

    /// Runs one client call and hands its failure on in BotKit's terms, so that the dispatcher can tell
    /// a refusal (dead-lettered at once) from a pause the server asked for (retried after it).
    /// Every item of a listing, or a transient failure when the server cut it short (a repeated or
    /// malformed `next` link, an empty page that still has one): a plugin deciding on what it reads
    /// (is this address a member, is this invitation pending) must not decide on part of it. The page
    /// cap is not such a cut: the client logs it, and what was read is what the plugin can know.
    static func whole<Item>(_ listing: Paginated<Item>, listing what: String) async throws -> [Item] {
        var items: [Item] = []
        for try await page in listing.pages {
            items += page.results
            if let cut = page.cut, cut != .pageCap {
                throw ActionError.transient("Avala's \(what) listing stopped before its end (\(cut)); tried again later")
            }
        }
        return items
    }

    private func translated<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let error as AvalaError {
            guard let translated = error.actionError else { throw error }
            throw translated
        }
    }

    static func member(_ member: OrganizationMember) -> AvalaMember {
        AvalaMember(userUID: member.userUID, email: member.email, username: member.username, role: member.role?.rawValue)
    }

    static func export(_ export: Export) -> AvalaExport {
        AvalaExport(
            uid: export.uid,
            status: export.status?.rawValue,
            format: export.format,
            projects: export.projects ?? [],
            datasets: export.datasets ?? [],
            slices: export.slices ?? [],
            downloadURL: export.downloadURL,
            error: export.error,
            createdAt: export.createdAt
        )
    }
}

/// A change refused because the bot runs dry (`simulate`): the plugin should have described it instead.
struct DryRunRefusal: Error, CustomStringConvertible {
    let scope: AvalaScope
    var description: String { "dry run: the '\(scope.rawValue)' change was not made" }
}
