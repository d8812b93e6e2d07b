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
            // The accepted one is a member: reported at once. The other is only missing so far.
            #expect(try await poller.pollOnce().stored == 1)
            #expect(try await poller.pollOnce().stored == 1, "missing from a second listing: expired")
            #expect(try await poller.pollOnce().raised == 0)

            let accept = try #require(try await fixture.events(.invitationAccepted).first)
            #expect(accept.keys == ["invitation.accepted:\(accepted.uid)"])
            // Forwarded to another bot (or written as a file), the body alone gives the same key.
            #expect(
                EventNormalizer.botForm(type: accept.type, data: accept.data.objectValue ?? [:], source: "peer", deliveryID: nil).keys == accept.keys
            )
            #expect(accept.data["organization"]?.stringValue == "acme-ai")
            #expect(accept.data[path: "invitation.invited_email"]?.stringValue == "joiner@acme.ai")
            let expiry = try #require(try await fixture.events(.invitationExpired).first)
            #expect(expiry.keys == ["invitation.expired:\(expired.uid)"])
            #expect(try await fixture.count(.invitationAccepted) == 1)
            #expect(try await fixture.count(.invitationExpired) == 1)
        }
    }

    /// A disappeared invitation's body is its last listing entry with the bot's conclusion written over
    /// it: `status` and `is_expired` agree, so a rule on either matches. (`is_expired: false` under
    /// `status: expired` made `where: {invitation.is_expired: true}` never match.)
    @Test func aDisappearedInvitationsBodySaysWhatTheBotConcluded() async throws {
        try await PollerFixture.with { fixture in
            let joiner = try await fixture.client.createInvitation(organization: "acme-ai", email: "joiner@acme.ai")
            let sleeper = try await fixture.client.createInvitation(organization: "acme-ai", email: "sleeper@acme.ai")
            let poller = InvitationsPoller(organization: "acme-ai", context: fixture.context())
            _ = try await poller.pollOnce()
            // As if the last listing had shown the joiner's invitation past its expiry, just before they joined.
            _ = try await fixture.store.updateSnapshot("invitations:acme-ai") { previous in
                guard case .object(var state)? = previous, case .object(var invitations)? = state["invitations"],
                    case .object(var entry)? = invitations[joiner.uid]
                else { return previous }
                entry["is_expired"] = true
                invitations[joiner.uid] = .object(entry)
                state["invitations"] = .object(invitations)
                return .object(state)
            }
            try await fixture.simulator.acceptInvitation(uid: joiner.uid)
            try await fixture.simulator.expireInvitation(uid: sleeper.uid)
            _ = try await poller.pollOnce()
            _ = try await poller.pollOnce()

            let accept = try #require(try await fixture.events(.invitationAccepted).first)
            #expect(accept.data[path: "invitation.status"] == "accepted")
            #expect(accept.data[path: "invitation.is_expired"] == false)
            let expiry = try #require(try await fixture.events(.invitationExpired).first)
            #expect(expiry.subject?.uid == sleeper.uid)
            #expect(expiry.data[path: "invitation.status"] == "expired")
            #expect(expiry.data[path: "invitation.is_expired"] == true)
        }
    }

    /// A cancelled invitation the snapshot knows as such keeps `cancelled`, and is expired all the same.
    @Test func aKnownCancelledStatusIsKept() async throws {
        try await PollerFixture.with { fixture in
            _ = try await fixture.client.createInvitation(organization: "acme-ai", email: "listed@acme.ai")
            let poller = InvitationsPoller(organization: "acme-ai", context: fixture.context())
            _ = try await poller.pollOnce()
            _ = try await fixture.store.updateSnapshot("invitations:acme-ai") { previous in
                guard case .object(var state)? = previous, case .object(var invitations)? = state["invitations"] else { return previous }
                invitations["gone"] = ["uid": "gone", "invited_email": "gone@acme.ai", "status": "cancelled", "is_expired": false]
                state["invitations"] = .object(invitations)
                state["missing"] = ["gone"]
                return .object(state)
            }
            _ = try await poller.pollOnce()
            let expiry = try #require(try await fixture.events(.invitationExpired).first)
            #expect(expiry.data[path: "invitation.status"] == "cancelled")
            #expect(expiry.data[path: "invitation.is_expired"] == true)
        }
    }

    /// The listing is paged by position: an invitation can be missing from one listing only because an
    /// acceptance moved it between two pages while they were read. It is reported expired only when the
    /// next listing misses it too; one listed again is forgotten as missing.
    @Test func anInvitationMissingFromOneListingIsReportedOnlyWhenTheNextMissesItToo() async throws {
        try await PollerFixture.with { fixture in
            let listed = try await fixture.client.createInvitation(organization: "acme-ai", email: "listed@acme.ai")
            let poller = InvitationsPoller(organization: "acme-ai", context: fixture.context())
            _ = try await poller.pollOnce()
            // As if the last listing had missed `listed`, and had known `ghost`, which the API no longer lists.
            let key = "invitations:acme-ai"
            try await Self.rememberGhost(in: fixture, missing: [listed.uid])
            #expect(try await poller.pollOnce().raised == 0, "ghost is missing once; listed is listed again")
            #expect(try await fixture.store.snapshot(key)?["missing"] == [.string("ghost")])
            #expect(try await poller.pollOnce().stored == 1)
            let expiry = try #require(try await fixture.events(.invitationExpired).first)
            #expect(expiry.keys == ["invitation.expired:ghost"])
            #expect(try await fixture.count(.invitationExpired) == 1)
            #expect(try await fixture.store.snapshot(key)?["missing"] == nil)
        }
    }

    /// A cut listing reads too little to say whether a missing invitation is back: its mark carries over,
    /// and the next full listing that misses it reports it.
    @Test func aCutListingKeepsTheMissingMark() async throws {
        try await PollerFixture.with { fixture in
            // Three pages (the simulator's 100 per page): a server quirk can then cut the listing.
            for index in 0..<201 { _ = try await fixture.client.createInvitation(organization: "acme-ai", email: "p\(index)@acme.ai") }
            let poller = InvitationsPoller(organization: "acme-ai", context: fixture.context())
            _ = try await poller.pollOnce()
            let key = "invitations:acme-ai"
            try await Self.rememberGhost(in: fixture, missing: ["ghost"])
            await fixture.simulator.setPaginationQuirk(.emptyPages)
            let cut = try await poller.pollOnce()
            #expect(cut.truncated)
            #expect(cut.raised == 0)
            #expect(try await fixture.store.snapshot(key)?["missing"] == ["ghost"])
            await fixture.simulator.setPaginationQuirk(nil)
            #expect(try await poller.pollOnce().stored == 1, "missing from the last full listing and this one")
            #expect(try await fixture.events(.invitationExpired).map(\.subject?.uid) == ["ghost"])
        }
    }

    /// Writes into acme-ai's snapshot a pending invitation `ghost` the API does not list, and which
    /// invitations the last listing missed.
    static func rememberGhost(in fixture: PollerFixture, missing: [String]) async throws {
        _ = try await fixture.store.updateSnapshot("invitations:acme-ai") { previous in
            guard case .object(var state)? = previous, case .object(var invitations)? = state["invitations"] else { return previous }
            invitations["ghost"] = ["uid": "ghost", "invited_email": "ghost@acme.ai", "status": "pending"]
            state["invitations"] = .object(invitations)
            state["missing"] = .array(missing.map(JSON.string))
            return .object(state)
        }
    }
}
