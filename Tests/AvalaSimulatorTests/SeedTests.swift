import AvalaAPI
import AvalaSimulator
import Foundation
import TestSupport
import Testing

@Suite struct SeedTests {
    static let seedJSON = """
        {
          "organizations": [{
            "organization": {"uid": "o-1", "name": "Seeded Org", "slug": "seeded"},
            "members": [{"user_uid": "u-1", "email": "ann@seeded.io", "role": "owner"}],
            "invitations": [{"uid": "i-1", "invited_email": "ben@seeded.io", "status": "pending"}]
          }],
          "projects": [{"project": {"uid": "p-1", "name": "seeded-project", "status": "active"}}],
          "datasets": [{"uid": "d-1", "name": "Seeded", "slug": "seeded-data", "owner_name": "seeded", "item_count": 3}]
        }
        """

    @Test func aSeedFileIsServed() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("seed-\(UUID().uuidString).json")
        try Data(Self.seedJSON.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var configuration = SimulatorHarness.testConfiguration()
        configuration.seed = try SimulatorSeed.load(contentsOf: file)
        try await SimulatorHarness.with(configuration) { harness in
            try await harness.withClient { client async throws in
                #expect(try await client.organizations().collect().map(\.slug) == ["seeded"])
                #expect(try await client.members(organization: "seeded").collect().map(\.email) == ["ann@seeded.io"])
                #expect(try await client.invitations(organization: "seeded").collect().map(\.invitedEmail) == ["ben@seeded.io"])
                #expect(try await client.projectMetrics(uid: "p-1") == nil)
                #expect(try await client.datasetItems(owner: "seeded", slug: "seeded-data").collect().count == 3)
            }
        }
    }

    @Test func aBadSeedNamesTheField() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("seed-\(UUID().uuidString).json")
        try Data(#"{"datasets": [{"uid": "d-1", "name": "No slug"}]}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = try #require(throws: DecodingError.self) { try SimulatorSeed.load(contentsOf: file) }
        #expect(AvalaClient.describe(decodingError: error) == "missing 'slug' at datasets[0]")
    }
}
