import AsyncHTTPClient
import AvalaAPI
import AvalaSimulator
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// The `/_sim/…` routes over HTTP, as curl or the demo uses them.
@Suite struct ControlSurfaceTests {
    @Test func membersJoinLeaveAndChangeRole() async throws {
        try await SimulatorHarness.with { harness in
            let root = harness.baseURL.replacingOccurrences(of: "/api/v1", with: "")
            let joined = try await Self.call(.POST, root + "/_sim/organizations/acme-ai/members", ["email": "gina@acme.ai", "role": "admin"])
            #expect(joined.status == 201)
            let member = try AvalaJSON.makeDecoder().decode(OrganizationMember.self, from: joined.body)
            #expect(member.email == "gina@acme.ai")
            #expect(member.role == .admin)
            let changed = try await Self.call(.PATCH, root + "/_sim/organizations/acme-ai/members/\(member.userUID)", ["role": "member"])
            #expect(changed.status == 200)
            try await harness.withClient { client async throws in
                let members = try await client.members(organization: "acme-ai").collect()
                #expect(members.last?.email == "gina@acme.ai")
                #expect(members.last?.role == .member)
            }
            let left = try await Self.call(.DELETE, root + "/_sim/organizations/acme-ai/members/\(member.userUID)", nil)
            #expect(left.status == 204)
            let invalid = try await Self.call(.POST, root + "/_sim/organizations/acme-ai/members", ["email": "nope"])
            #expect(invalid.status == 400)
        }
    }

    @Test func anAcceptedInvitationBecomesAMember() async throws {
        try await SimulatorHarness.with { harness in
            let root = harness.baseURL.replacingOccurrences(of: "/api/v1", with: "")
            let accepted = try await Self.call(.POST, root + "/_sim/invitations/\(SimulatorSeed.UID.pendingInvitation)/accept", nil)
            #expect(accepted.status == 200)
            try await harness.withClient { client async throws in
                #expect(try await client.members(organization: "acme-ai").collect().contains { $0.email == "dave@acme.ai" })
                #expect(try await client.invitations(organization: "acme-ai").collect().isEmpty)
            }
            let again = try await Self.call(.POST, root + "/_sim/invitations/\(SimulatorSeed.UID.pendingInvitation)/expire", nil)
            #expect(again.status == 400)
        }
    }

    /// An expired invitation stays listed, `is_expired: true` and `expires_at` past, until it is resent
    /// (renewed) or cancelled; it can no longer be accepted.
    @Test func anExpiredInvitationStaysListedAsExpired() async throws {
        try await SimulatorHarness.with { harness in
            let root = harness.baseURL.replacingOccurrences(of: "/api/v1", with: "")
            let uid = SimulatorSeed.UID.pendingInvitation
            #expect(try await Self.call(.POST, root + "/_sim/invitations/\(uid)/expire", nil).status == 200)
            #expect(try await Self.call(.POST, root + "/_sim/invitations/\(uid)/expire", nil).status == 400)
            #expect(try await Self.call(.POST, root + "/_sim/invitations/\(uid)/accept", nil).status == 400)
            try await harness.withClient { client async throws in
                let listed = try #require(try await client.invitations(organization: "acme-ai").collect().first { $0.uid == uid })
                #expect(listed.isExpired == true)
                #expect(try #require(listed.expiresAt) <= Date())
                try await client.resendInvitation(organization: "acme-ai", uid: uid)
                let renewed = try #require(try await client.invitations(organization: "acme-ai").collect().first { $0.uid == uid })
                #expect(renewed.isExpired == false)
                #expect(try #require(renewed.expiresAt) > Date())
            }
        }
    }

    @Test func projectsAreCreatedAndChangeStatus() async throws {
        try await SimulatorHarness.with { harness in
            let root = harness.baseURL.replacingOccurrences(of: "/api/v1", with: "")
            let created = try await Self.call(
                .POST,
                root + "/_sim/projects",
                ["uid": "p-1", "name": "prod-trucks", "metrics": ["total_tasks": 10, "completed_tasks": 2]]
            )
            #expect(created.status == 201)
            let patched = try await Self.call(.PATCH, root + "/_sim/projects/p-1", ["status": "completed"])
            #expect(patched.status == 200)
            try await harness.withClient { client async throws in
                #expect(try await client.project(uid: "p-1").status == .completed)
                #expect(try await client.projectMetrics(uid: "p-1")?.completedTasks == 2)
            }
        }
    }

    @Test func faultsAreInjectedAndClearedOverHTTP() async throws {
        try await SimulatorHarness.with { harness in
            let root = harness.baseURL.replacingOccurrences(of: "/api/v1", with: "")
            let added = try await Self.call(.POST, root + "/_sim/faults", ["path_prefix": "/datasets/", "status": 503])
            #expect(added.status == 201)
            try await harness.withClient({ $0.maxRetries = 0 }) { client async throws in
                let error = try await #require(throws: AvalaError.self) { try await client.datasets().collect() }
                #expect(error.code == .server)
                let cleared = try await Self.call(.DELETE, root + "/_sim/faults", nil)
                #expect(cleared.status == 204)
                #expect(try await client.datasets().collect().count == 2)
            }
            let recorded = try await Self.call(.GET, root + "/_sim/requests", nil)
            let requests = try JSONDecoder().decode([RecordedRequest].self, from: recorded.body)
            #expect(requests.map(\.status) == [503, 200])
            #expect(requests.allSatisfy { $0.hasAPIKey })
            #expect(!String(decoding: recorded.body, as: UTF8.self).contains(harness.apiKey))
            let badFault = try await Self.call(.POST, root + "/_sim/faults", ["status": 500])
            #expect(badFault.status == 400)
        }
    }

    @Test func resetReturnsToTheSeed() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.simulator.addMember(organization: "acme-ai", email: "temp@acme.ai")
            let root = harness.baseURL.replacingOccurrences(of: "/api/v1", with: "")
            #expect(try await Self.call(.POST, root + "/_sim/reset", nil).status == 204)
            try await harness.withClient { client async throws in
                #expect(try await client.members(organization: "acme-ai").collect().count == 3)
            }
        }
    }

    /// Redirects are answers to look at here, never to follow. Lives as long as the test process.
    static let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    struct Answer {
        let status: Int
        let body: Data
        let headers: [(String, String)]
    }

    static func call(_ method: HTTPMethod, _ url: String, _ json: JSONValue?, headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(json)))
        }
        let response = try await http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return Answer(
            status: Int(response.status.code),
            body: Data(body.readableBytesView),
            headers: response.headers.map { ($0.name, $0.value) }
        )
    }
}
