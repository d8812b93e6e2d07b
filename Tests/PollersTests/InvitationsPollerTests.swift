import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import InMemoryLogging
import Logging
import Pollers
import TestSupport
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
            // The accepted one is a member; the other is listed past its expiry (`is_expired: true`).
            #expect(try await poller.pollOnce().stored == 2)
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

    /// An invitation last seen as `cancelled` did not expire, whatever its `expires_at`: no event.
    @Test func aKnownCancelledStatusIsNoExpiry() async throws {
        try await PollerFixture.with { fixture in
            _ = try await fixture.client.createInvitation(organization: "acme-ai", email: "listed@acme.ai")
            let poller = InvitationsPoller(organization: "acme-ai", context: fixture.context())
            _ = try await poller.pollOnce()
            _ = try await fixture.store.updateSnapshot("invitations:acme-ai") { previous in
                guard case .object(var state)? = previous, case .object(var invitations)? = state["invitations"] else { return previous }
                invitations["gone"] = [
                    "uid": "gone", "invited_email": "gone@acme.ai", "status": "cancelled", "is_expired": false,
                    "expires_at": "2020-01-01T00:00:00Z",
                ]
                state["invitations"] = .object(invitations)
                state["missing"] = ["gone"]
                return .object(state)
            }
            #expect(try await poller.pollOnce().raised == 0)
            #expect(try await fixture.count(.invitationExpired) == 0)
            #expect(try await fixture.store.snapshot("invitations:acme-ai")?["invitations"]?["gone"] == nil)
        }
    }

    /// The listing is paged by position: an invitation can be missing from one listing only because an
    /// acceptance moved it between two pages while they were read. It is reported expired only when the
    /// next listing misses it too; one listed again is forgotten as missing. That holds for a listing of one
    /// page as well (README: unlike a member, for whom only a listing of several pages waits).
    @Test func anInvitationMissingFromOneListingIsReportedOnlyWhenTheNextMissesItToo() async throws {
        try await PollerFixture.with { fixture in
            let listed = try await fixture.client.createInvitation(organization: "acme-ai", email: "listed@acme.ai")
            let poller = InvitationsPoller(organization: "acme-ai", context: fixture.context())
            #expect(try await poller.pollOnce().apiCalls == 1, "the whole listing is one page")
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

    /// A cancelled invitation is neither accepted nor expired: gone from the listing, its address no
    /// member, and nothing the API showed says it expired (no `is_expired`, no `status: expired`, its
    /// `expires_at` still ahead). No event; logged at info, then forgotten.
    @Test func aCancelledInvitationIsNeitherAcceptedNorExpired() async throws {
        try await PollerFixture.with { fixture in
            let cancelled = try await fixture.client.createInvitation(organization: "acme-ai", email: "changed-mind@acme.ai")
            let poller = InvitationsPoller(organization: "acme-ai", context: fixture.context())
            _ = try await poller.pollOnce()
            try await fixture.client.cancelInvitation(organization: "acme-ai", uid: cancelled.uid)
            #expect(try await poller.pollOnce().raised == 0)
            #expect(try await poller.pollOnce().raised == 0, "missing from a second listing, yet not expired: cancelled")
            #expect(try await poller.pollOnce().raised == 0)
            #expect(try await fixture.count(.invitationExpired) == 0)
            #expect(try await fixture.count(.invitationAccepted) == 0)
            let logged = fixture.harness.logs.entries.filter { $0.metadata["invitation.uid"] == "\(cancelled.uid)" }
            #expect(logged.map(\.level) == [.info])
            #expect(logged.first?.metadata["invitation.status"] == "cancelled")
            #expect(try await fixture.store.snapshot("invitations:acme-ai")?["invitations"]?[cancelled.uid] == nil)
        }
    }

    /// A re-invite is not an acceptance of the invitation it replaces: the old one vanished (cancelled),
    /// a new one to the same address was listed, and the person then accepted the new one. Only the new
    /// one is reported accepted (before, the old one was too, once their address was a member).
    @Test func aReInviteIsNotReadAsAcceptance() async throws {
        try await PollerFixture.with { fixture in
            let old = try await fixture.client.createInvitation(organization: "acme-ai", email: "again@acme.ai")
            let poller = InvitationsPoller(organization: "acme-ai", context: fixture.context())
            _ = try await poller.pollOnce()
            try await fixture.client.cancelInvitation(organization: "acme-ai", uid: old.uid)
            let renewed = try await fixture.client.createInvitation(organization: "acme-ai", email: "again@acme.ai")
            #expect(try await poller.pollOnce().raised == 0, "the old one is missing once; the new one is only listed")
            try await fixture.simulator.acceptInvitation(uid: renewed.uid)
            _ = try await poller.pollOnce()
            _ = try await poller.pollOnce()
            #expect(try await fixture.events(.invitationAccepted).map(\.subject?.uid) == [renewed.uid])
            #expect(try await fixture.count(.invitationExpired) == 0)
        }
    }

    /// Expiry is reported only on evidence: an invitation gone from the listing whose last seen
    /// `expires_at` has passed expired; one whose `expires_at` is ahead (or unknown) did not.
    @Test func aVanishedInvitationExpiredOnlyWhenItsExpiryHasPassed() async throws {
        try await PollerFixture.with { fixture in
            _ = try await fixture.client.createInvitation(organization: "acme-ai", email: "listed@acme.ai")
            let poller = InvitationsPoller(organization: "acme-ai", context: fixture.context())
            _ = try await poller.pollOnce()
            _ = try await fixture.store.updateSnapshot("invitations:acme-ai") { previous in
                guard case .object(var state)? = previous, case .object(var invitations)? = state["invitations"] else { return previous }
                invitations["lapsed"] = [
                    "uid": "lapsed", "invited_email": "lapsed@acme.ai", "status": "pending", "is_expired": false,
                    "expires_at": "2020-01-01T00:00:00Z",
                ]
                invitations["withdrawn"] = [
                    "uid": "withdrawn", "invited_email": "withdrawn@acme.ai", "status": "pending", "is_expired": false,
                    "expires_at": "2999-01-01T00:00:00Z",
                ]
                invitations["unknown"] = ["uid": "unknown", "invited_email": "unknown@acme.ai", "status": "pending"]
                state["invitations"] = .object(invitations)
                state["missing"] = ["lapsed", "withdrawn", "unknown"]
                return .object(state)
            }
            #expect(try await poller.pollOnce().stored == 1)
            let expiry = try #require(try await fixture.events(.invitationExpired).first)
            #expect(expiry.keys == ["invitation.expired:lapsed"])
            #expect(expiry.data[path: "invitation.status"] == "expired")
            #expect(expiry.data[path: "invitation.is_expired"] == true)
            #expect(try await fixture.count(.invitationExpired) == 1)
        }
    }

    /// Writes into acme-ai's snapshot a pending invitation `ghost` past its expiry the API does not list, and which
    /// invitations the last listing missed.
    static func rememberGhost(in fixture: PollerFixture, missing: [String]) async throws {
        _ = try await fixture.store.updateSnapshot("invitations:acme-ai") { previous in
            guard case .object(var state)? = previous, case .object(var invitations)? = state["invitations"] else { return previous }
            // Past its expiry when last listed: gone, it expired.
            invitations["ghost"] = ["uid": "ghost", "invited_email": "ghost@acme.ai", "status": "pending", "expires_at": "2020-01-01T00:00:00Z"]
            state["invitations"] = .object(invitations)
            state["missing"] = .array(missing.map(JSON.string))
            return .object(state)
        }
    }
}
