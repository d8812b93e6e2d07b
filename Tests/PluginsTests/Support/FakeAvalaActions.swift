import BotKit
import Foundation
import Logging
import Synchronization

/// An in-memory Avala for plugin unit tests: members, pending invitations and exports in a dictionary,
/// every change recorded. The end-to-end job tests use the real simulator instead.
final class FakeAvalaActions: AvalaActions {
    struct World: Sendable {
        var members: [String: [AvalaMember]] = [:]
        var invitations: [String: [AvalaInvitation]] = [:]
        var exports: [AvalaExport] = []
        var calls: [String] = []
        /// The name of each export asked for, in order.
        var exportNames: [String] = []
        var chains: [String: (depth: Int, follow: Bool)] = [:]
        var owners: [String: String] = [:]
        /// Pending chain intents by id, as the adapter keeps them in the store.
        var intents: [String: ExportChainIntent] = [:]
    }

    let world = Mutex(World())
    /// Thrown by the next createExport, after the export was made (a lost answer).
    let loseNextCreateAnswer = Mutex(false)
    /// Runs before each invitation is made, with its address: what another action does meanwhile.
    let beforeInvite = Mutex<(@Sendable (String) async -> Void)?>(nil)
    /// Thrown by the next `invite`, after `beforeInvite`, which then creates nothing.
    let inviteFailure = Mutex<(any Error)?>(nil)

    init(members: [String: [AvalaMember]] = [:], invitations: [String: [AvalaInvitation]] = [:], exports: [AvalaExport] = []) {
        world.withLock {
            $0.members = members
            $0.invitations = invitations
            $0.exports = exports
        }
    }

    var calls: [String] { world.withLock { $0.calls } }

    func members(organization: String) async throws -> [AvalaMember] {
        world.withLock { $0.members[organization] ?? [] }
    }

    func members(organization: String, email: String) async throws -> [AvalaMember] {
        world.withLock { ($0.members[organization] ?? []).filter { $0.email?.lowercased() == email.lowercased() } }
    }

    func pendingInvitations(organization: String) async throws -> [AvalaInvitation] {
        world.withLock { $0.invitations[organization] ?? [] }
    }

    func invite(organization: String, email: String, role: String) async throws -> AvalaInvitation {
        if let hook = beforeInvite.withLock({ $0 }) { await hook(email) }
        let failure = inviteFailure.withLock { failure in
            defer { failure = nil }
            return failure
        }
        if let failure {
            world.withLock { $0.calls.append("invite \(organization) \(email) \(role) (failed)") }
            throw failure
        }
        return world.withLock { world in
            let invitation = AvalaInvitation(uid: "inv-\(world.calls.count)", email: email, role: role, status: "pending")
            world.invitations[organization, default: []].append(invitation)
            world.calls.append("invite \(organization) \(email) \(role)")
            return invitation
        }
    }

    func resendInvitation(organization: String, uid: String) async throws {
        world.withLock { $0.calls.append("resend \(organization) \(uid)") }
    }

    func cancelInvitation(organization: String, uid: String) async throws {
        world.withLock { world in
            world.invitations[organization]?.removeAll { $0.uid == uid }
            world.calls.append("cancel \(organization) \(uid)")
        }
    }

    func teamMembers(organization: String, team: String) async throws -> [AvalaMember] {
        world.withLock { world in
            world.calls.filter { $0.hasPrefix("team \(organization) \(team) ") }.map {
                AvalaMember(userUID: String($0.split(separator: " ").last ?? ""), email: nil)
            }
        }
    }

    func addTeamMember(organization: String, team: String, userUID: String, role: String?) async throws {
        world.withLock { $0.calls.append("team \(organization) \(team) \(userUID)") }
    }

    func removeMember(organization: String, userUID: String) async throws {
        world.withLock { world in
            world.members[organization]?.removeAll { $0.userUID == userUID }
            world.calls.append("remove \(organization) \(userUID)")
        }
    }

    func exports(createdSince: Date?) async throws -> [AvalaExport] {
        world.withLock { world in
            world.exports.filter { export in createdSince.map { (export.createdAt ?? .distantPast) >= $0 } ?? true }
        }
    }

    func export(uid: String) async throws -> AvalaExport {
        guard let export = world.withLock({ $0.exports.first { $0.uid == uid } }) else { throw FakeNotFound() }
        return export
    }

    func createExport(_ request: AvalaExportRequest) async throws -> AvalaExport {
        // As the adapter: Avala creates the export, and the chain is recorded only once its answer came.
        let lost = loseNextCreateAnswer.withLock { lose in
            defer { lose = false }
            return lose
        }
        let export = world.withLock { world in
            let export = AvalaExport(
                uid: "exp-\(world.exports.count + 1)",
                status: "requested",
                format: request.format,
                projects: request.projects,
                datasets: request.datasets,
                createdAt: Date()
            )
            world.exports.append(export)
            world.exportNames.append(request.name)
            world.calls.append(
                "export \(request.shape.rawValue) \(request.projects + request.datasets) \(request.format ?? "-") depth \(request.chainDepth)"
            )
            if !lost {
                world.chains[export.uid] = (request.chainDepth, request.follow)
                if let owner = request.owner { world.owners[export.uid] = owner }
            }
            return export
        }
        if lost { throw FakeLostAnswer() }
        return export
    }

    func recordChain(exportUID: String, depth: Int, follow: Bool, owner: String?) async throws {
        world.withLock {
            $0.chains[exportUID] = (depth, follow)
            if let owner, $0.owners[exportUID] == nil { $0.owners[exportUID] = owner }
        }
    }

    func exportOwner(uid: String) async throws -> ExportOwner {
        world.withLock { world in
            if let owner = world.owners[uid] { return .action(owner) }
            return world.chains[uid] == nil ? .unrecorded : .unknown
        }
    }

    let requestTimeout: TimeInterval = 30

    func recordChainIntent(_ intent: ExportChainIntent) async throws {
        world.withLock { $0.intents[intent.id] = intent }
    }

    func pendingChainIntents() async throws -> [ExportChainIntent] {
        world.withLock { Array($0.intents.values) }
    }

    func removeChainIntent(id: String) async throws {
        world.withLock { _ = $0.intents.removeValue(forKey: id) }
    }

    func project(uid: String) async throws -> AvalaProject {
        AvalaProject(uid: uid, name: "project \(uid)", status: "active")
    }

    struct FakeNotFound: Error {}
    struct FakeLostAnswer: Error {}
}

extension PluginContext {
    /// A context for unit tests: in-memory state, the given fake Avala, a fixed clock unless given.
    static func test(
        avala: any AvalaActions,
        state: any PluginState = MemoryPluginState(),
        dryRun: Bool = false,
        key: String = "event-1/rule/0",
        resuming: Bool = false,
        attempt: Int = 0,
        http: any OutboundHTTP = NoOutboundHTTP(),
        now: @escaping @Sendable () -> Date = { Date(timeIntervalSince1970: 1_800_000_000) },
        logger: Logger = Logger(label: "plugin-test")
    ) -> PluginContext {
        PluginContext(
            logger: logger,
            config: PluginConfig(),
            dryRun: dryRun,
            idempotencyKey: key,
            resuming: resuming,
            attempt: attempt,
            avala: avala,
            state: state,
            http: http,
            now: now
        )
    }
}
