import AvalaAPI
import AvalaSimulator
import Foundation
import TestSupport
import Testing

/// An answer the client cannot read is told in the API's terms — the request, the JSON field and what it
/// should hold — through the real client against the simulator sending a body of its own: never the
/// Swift type the answer was read into (`Page<OrganizationMember>`), which means nothing to an operator.
@Suite struct DecodingErrorTests {
    static let members = "GET /organizations/acme-ai/members/"

    @Test(arguments: [
        (
            #"{"count": 1, "next": null, "previous": null, "results": [{"user_uid": "u-1", "email": 42}]}"#,
            "expected text at results[0].email, found a number (42)"
        ),
        (
            #"{"count": 2, "next": null, "previous": null, "results": [{"user_uid": "u-1"}, {"username": "no-uid"}]}"#,
            "missing 'user_uid' at results[1]"
        ),
        (#"{"count": 1, "next": null, "previous": null, "results": [{"user_uid": null}]}"#, "missing 'user_uid' at results[0]"),
        (#"{"count": 1, "next": null, "previous": null, "results": [["u-1"]]}"#, "expected an object at results[0], found a list"),
        (#""members""#, "expected an object at the top level, found text (\"members\")"),
        (#"{"count": 1, "next": null, "previous": null, "results": [{"user_uid": "u-1", "created_at": "yesterday"}]}"#, "at results[0].created_at"),
    ])
    func aListingThatCannotBeReadNamesTheRequestAndTheField(_ body: String, _ said: String) async throws {
        try await SimulatorHarness.with { harness in
            await harness.simulator.injectFault(Fault(pathPrefix: "/organizations/acme-ai/members", body: body))
            try await harness.withClient { client async throws in
                let error = try await #require(throws: AvalaError.self) {
                    _ = try await client.members(organization: "acme-ai").collect()
                }
                #expect(error.code == .decoding)
                #expect(error.message.hasSuffix(said), "\(error.message)")
                #expect(error.message.hasPrefix("the answer to \(Self.members) cannot be read: "), "\(error.message)")
                Self.expectNoSwiftTypes(error)
            }
        }
    }

    /// One resource: the path names it, and the request is said once in the error's description.
    @Test func aResourceThatCannotBeReadNamesItsPath() async throws {
        try await SimulatorHarness.with { harness in
            let uid = SimulatorSeed.UID.exportedExport
            await harness.simulator.injectFault(Fault(pathPrefix: "/exports/", method: "GET", body: #"{"uid": 7, "status": "exported"}"#))
            try await harness.withClient { client async throws in
                let error = try await #require(throws: AvalaError.self) { try await client.export(uid: uid) }
                #expect(error.message == "the answer to GET /exports/\(uid)/ cannot be read: expected text at uid, found a number (7)")
                #expect(error.description == "Avala API decoding (HTTP 200): \(error.message)")
                Self.expectNoSwiftTypes(error)
            }
        }
    }

    static func expectNoSwiftTypes(_ error: AvalaError, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        for name in ["Page<", "OrganizationMember", "Export", "String", "Int", "Dictionary", "Array", "Any", "Swift."] {
            #expect(!error.description.contains(name), "\(name) in \(error.description)", sourceLocation: sourceLocation)
        }
    }
}
