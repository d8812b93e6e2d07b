import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Pollers
import Testing

@Suite struct InvitationsPollerTests {
    @Test func acceptedAndExpiredInvitationsFireOnce() async throws {
        try await PollerFixture.with { fixture in
            let accepted = try await fixture.client.createInvitation(organization: "acme-ai", email: "joiner@acme.ai")
            let expired = try await fixture.client.createInvitation(organization: "acme-ai", email: "sleeper@acme.ai")
            let poller = InvitationsPoller(organization: "acme-ai", context: fixture.context())
            let baseline = try await poller.pollOnce()
            #expect(baseline.baseline)
            #expect(baseline.raised == 0)

            try await fixture.simulator.acceptInvitation(uid: accepted.uid)
            try await fixture.simulator.expireInvitation(uid: expired.uid)
            #expect(try await poller.pollOnce().stored == 2)
            #expect(try await poller.pollOnce().raised == 0)

            let accept = try #require(try await fixture.events(.invitationAccepted).first)
            #expect(accept.keys == ["invitation.accepted:\(accepted.uid)"])
            #expect(accept.data["organization"]?.stringValue == "acme-ai")
            #expect(accept.data[path: "invitation.invited_email"]?.stringValue == "joiner@acme.ai")
            let expiry = try #require(try await fixture.events(.invitationExpired).first)
            #expect(expiry.keys == ["invitation.expired:\(expired.uid)"])
            #expect(try await fixture.count(.invitationAccepted) == 1)
            #expect(try await fixture.count(.invitationExpired) == 1)
        }
    }
}
