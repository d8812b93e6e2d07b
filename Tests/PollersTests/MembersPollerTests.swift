import AvalaAPI
import AvalaSimulator
import BotEngine
import BotKit
import Pollers
import Testing

@Suite struct MembersPollerTests {
    @Test func firstRunIsASilentBaseline() async throws {
        try await PollerFixture.with { fixture in
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context())
            let first = try await poller.pollOnce()
            #expect(first.baseline)
            #expect(first.raised == 0)
            #expect(first.apiCalls == 1)
            #expect(try await fixture.count(.memberJoined) == 0)
            #expect(try await fixture.store.snapshot("members:acme-ai") != nil)
        }
    }

    @Test func emitExistingRaisesEveryoneOnce() async throws {
        try await PollerFixture.with { fixture in
            let existing = try await fixture.client.members(organization: "acme-ai").collect()
            #expect(!existing.isEmpty)
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context(), emitExisting: true)
            let first = try await poller.pollOnce()
            #expect(first.stored == existing.count)
            #expect(try await poller.pollOnce().raised == 0)
            #expect(try await fixture.count(.memberJoined) == existing.count)
        }
    }

    @Test func joinRoleChangeAndLeaveFireOnceWithTheirBodiesAndKeys() async throws {
        try await PollerFixture.with { fixture in
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context())
            _ = try await poller.pollOnce()

            let joined = try await fixture.simulator.addMember(organization: "acme-ai", email: "new.person@acme.ai")
            let cycle = try await poller.pollOnce()
            #expect(cycle.stored == 1)
            #expect(try await poller.pollOnce().raised == 0)
            let join = try #require(try await fixture.events(.memberJoined).first)
            #expect(join.data["organization"]?.stringValue == "acme-ai")
            #expect(join.data[path: "member.email"]?.stringValue == "new.person@acme.ai")
            #expect(join.subject == Event.Subject(kind: "member", uid: joined.userUID))
            let created = AvalaJSON.formatTimestamp(try #require(joined.createdAt))
            #expect(join.keys == ["member.joined:acme-ai:\(joined.userUID):\(created)"])
            // Forwarded to another bot (or written as a file), the body alone gives the same key.
            #expect(EventNormalizer.botForm(type: join.type, data: join.data.objectValue ?? [:], source: "peer", deliveryID: nil).keys == join.keys)

            try await fixture.simulator.changeRole(organization: "acme-ai", userUID: joined.userUID, role: .admin)
            #expect(try await poller.pollOnce().stored == 1)
            #expect(try await poller.pollOnce().raised == 0)
            let change = try #require(try await fixture.events(.memberRoleChanged).first)
            #expect(change.data["from"]?.stringValue == "member")
            #expect(change.data["to"]?.stringValue == "admin")
            #expect(change.keys.first?.hasPrefix("member.role_changed:acme-ai:\(joined.userUID):member:admin:") == true)

            try await fixture.simulator.removeMember(organization: "acme-ai", userUID: joined.userUID)
            #expect(try await poller.pollOnce().stored == 1)
            #expect(try await poller.pollOnce().raised == 0)
            let left = try #require(try await fixture.events(.memberLeft).first)
            #expect(left.data[path: "member.email"]?.stringValue == "new.person@acme.ai")
            #expect(left.data[path: "member.user_uid"]?.stringValue == joined.userUID)
            #expect(left.keys == ["member.left:acme-ai:\(joined.userUID):\(created)"])
        }
    }

    /// Someone who left and joined again between two polls (or while the bot was down) is listed with
    /// the same user uid and a new membership `created_at`: that is a `member.left` of the old
    /// membership and a `member.joined` of the new one, not a silent update of the snapshot.
    @Test func aRejoinBetweenTwoPollsIsALeaveAndAJoin() async throws {
        try await PollerFixture.with { fixture in
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context())
            let joined = try await fixture.simulator.addMember(organization: "acme-ai", email: "back.again@acme.ai")
            _ = try await poller.pollOnce()
            // What the bot remembers is the membership before: same person, older created_at.
            let earlier = "2026-01-05T09:00:00Z"
            let snapshot = try #require(try await fixture.store.snapshot("members:acme-ai"))
            var members = try #require(snapshot["members"]?.objectValue)
            var remembered = try #require(members[joined.userUID]?.objectValue)
            remembered["created_at"] = .string(earlier)
            members[joined.userUID] = .object(remembered)
            let rewritten: JSON = ["cycle": snapshot["cycle"] ?? 1, "members": .object(members)]
            _ = try await fixture.store.updateSnapshot("members:acme-ai") { _ in rewritten }

            let cycle = try await poller.pollOnce()
            #expect(cycle.stored == 2)
            let created = AvalaJSON.formatTimestamp(try #require(joined.createdAt))
            let left = try #require(try await fixture.events(.memberLeft).first)
            #expect(left.keys == ["member.left:acme-ai:\(joined.userUID):\(earlier)"])
            #expect(left.data[path: "member.email"]?.stringValue == "back.again@acme.ai")
            let join = try #require(try await fixture.events(.memberJoined).first)
            #expect(join.keys == ["member.joined:acme-ai:\(joined.userUID):\(created)"])
            #expect(try await poller.pollOnce().raised == 0, "the new membership is remembered")
        }
    }

    /// Someone who leaves and is added again keeps their user uid, with a new membership: two joins and
    /// a leave, three events, none a duplicate of another.
    @Test func aRejoinIsANewFact() async throws {
        try await PollerFixture.with { fixture in
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context())
            _ = try await poller.pollOnce()
            let first = try await fixture.simulator.addMember(organization: "acme-ai", email: "again@acme.ai")
            #expect(try await poller.pollOnce().stored == 1)
            try await fixture.simulator.removeMember(organization: "acme-ai", userUID: first.userUID)
            #expect(try await poller.pollOnce().stored == 1)
            let second = try await fixture.simulator.addMember(organization: "acme-ai", email: "again@acme.ai")
            #expect(second.userUID == first.userUID, "the simulator keeps a returning user's uid, as Avala does")
            #expect(try await poller.pollOnce().stored == 1)
            #expect(try await fixture.count(.memberJoined) == 2)
            #expect(try await fixture.count(.memberLeft) == 1)
        }
    }

    /// `created_at` is optional in the API. Without it, a membership is tagged by when the bot first saw
    /// it, so a person who leaves and comes back within the key retention is a new fact, not a
    /// duplicate of `member.joined:<org>:<uid>:`; the leave carries the tag of the join.
    @Test func aMembershipWithoutItsJoinDateIsTaggedByItsFirstSighting() async throws {
        try await PollerFixture.with { fixture in
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context())
            _ = try await poller.pollOnce()
            let member = try await fixture.simulator.addMember(organization: "acme-ai", email: "nodate@acme.ai", recordsJoinDate: false)
            #expect(member.createdAt == nil)
            #expect(try await poller.pollOnce().stored == 1)
            #expect(try await poller.pollOnce().raised == 0, "the tag is remembered, not made anew each cycle")
            try await fixture.simulator.removeMember(organization: "acme-ai", userUID: member.userUID)
            #expect(try await poller.pollOnce().stored == 1)
            _ = try await fixture.simulator.addMember(organization: "acme-ai", email: "nodate@acme.ai", recordsJoinDate: false)
            #expect(try await poller.pollOnce().stored == 1, "the second membership is new")

            let joins = try await fixture.events(.memberJoined)
            #expect(joins.count == 2)
            let joinKeys = joins.flatMap(\.keys)
            #expect(Set(joinKeys).count == 2)
            #expect(joinKeys.allSatisfy { $0.hasPrefix("member.joined:acme-ai:\(member.userUID):seen-") })
            let left = try #require(try await fixture.events(.memberLeft).first)
            let leftTag = try #require(left.keys.first?.split(separator: ":", maxSplits: 3).last)
            #expect(joinKeys.contains { $0.hasSuffix(":" + leftTag) }, "the leave names the membership it ends")
            #expect(left.data[path: "member.seen"] == nil, "the tag is the bot's, not the member's")
        }
    }

    @Test func aRestartInTheMiddleOfACycleRaisesNothingTwice() async throws {
        try await PollerFixture.with(client: PollerFixture.noRetries) { fixture in
            let first = MembersPoller(organization: "acme-ai", context: fixture.context())
            _ = try await first.pollOnce()
            try await fixture.simulator.addMember(organization: "acme-ai", email: "mid.cycle@acme.ai")

            // The cycle dies before it stores anything: nothing may be half-written.
            await fixture.simulator.injectFault(Fault(pathPrefix: "/organizations/acme-ai/members", status: 500, count: 1))
            await #expect(throws: AvalaError.self) { try await first.pollOnce() }
            #expect(try await fixture.count(.memberJoined) == 0)

            // A new process: a new store connection and a new poller on the same file.
            let store = try await fixture.reopenedStore()
            let restarted = MembersPoller(organization: "acme-ai", context: fixture.context(store: store))
            #expect(try await restarted.pollOnce().stored == 1)
            #expect(try await restarted.pollOnce().raised == 0)
            #expect(try await first.pollOnce().stored == 0)
            #expect(try await fixture.count(.memberJoined) == 1)
        }
    }

    @Test func aFiveThousandMemberDiffRaisesExactlyTheChangesMade() async throws {
        try await PollerFixture.with { fixture in
            try await fixture.simulator.addGeneratedMembers(organization: "acme-ai", count: 5_000)
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context())
            let baseline = try await poller.pollOnce()
            #expect(baseline.raised == 0)
            #expect(baseline.apiCalls == 6)

            let members = try await fixture.client.members(organization: "acme-ai").collect()
            let leaving = members.filter { $0.email?.hasSuffix("@example.com") == true }.prefix(7)
            for member in leaving {
                try await fixture.simulator.removeMember(organization: "acme-ai", userUID: member.userUID)
            }
            let promoted = members.filter { $0.email?.hasSuffix("@example.com") == true }.suffix(3)
            for member in promoted {
                try await fixture.simulator.changeRole(organization: "acme-ai", userUID: member.userUID, role: .admin)
            }
            try await fixture.simulator.addGeneratedMembers(organization: "acme-ai", count: 11, domain: "joiners.example")

            // Six pages: the leaves are certain only once a second listing misses them too.
            let cycle = try await poller.pollOnce()
            #expect(cycle.raised == 14)
            #expect(cycle.stored == 14)
            #expect(Set(try await fixture.events(.memberRoleChanged).compactMap(\.subject?.uid)) == Set(promoted.map(\.userUID)))
            let joins = try await fixture.events(.memberJoined)
            #expect(joins.count == 11)
            #expect(joins.allSatisfy { $0.data[path: "member.email"]?.stringValue?.hasSuffix("@joiners.example") == true })
            #expect(try await poller.pollOnce().stored == 7)
            #expect(Set(try await fixture.events(.memberLeft).compactMap(\.subject?.uid)) == Set(leaving.map(\.userUID)))
            #expect(try await poller.pollOnce().raised == 0)
        }
    }

    /// The listing is paged by position: someone leaving while the pages are read moves the next member
    /// onto the page already read, so one listing can miss a member who never left. Over several pages a
    /// missing member is reported only when the next listing misses them too; one listed again is
    /// forgotten as missing and nothing is raised, neither a leave nor a join. Read in one page, a
    /// listing saw everyone at once, and a leave is reported at once (as in the tests above).
    @Test func aMemberMissingFromOneListingOfSeveralPagesHasNotLeftYet() async throws {
        try await PollerFixture.with { fixture in
            try await fixture.simulator.addGeneratedMembers(organization: "acme-ai", count: 30)
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context(), pageSize: 10)
            _ = try await poller.pollOnce()
            let key = "members:acme-ai"
            let members = try await fixture.client.members(organization: "acme-ai").collect()
            let shifted = try #require(members.last)
            // As if the last listing had not seen `shifted`, which a leave on an earlier page moved.
            _ = try await fixture.store.updateSnapshot(key) { previous in
                guard case .object(var state)? = previous else { return previous }
                state["missing"] = [.string(shifted.userUID)]
                return .object(state)
            }
            let leaving = members[3]
            try await fixture.simulator.removeMember(organization: "acme-ai", userUID: leaving.userUID)

            #expect(try await poller.pollOnce().raised == 0, "listed again: no leave, no join; the leaver is missing once")
            #expect(try await fixture.store.snapshot(key)?["missing"] == [.string(leaving.userUID)])
            #expect(try await poller.pollOnce().stored == 1)
            let left = try #require(try await fixture.events(.memberLeft).first)
            #expect(left.subject?.uid == leaving.userUID)
            #expect(try await fixture.store.snapshot(key)?["missing"] == nil)
            #expect(try await poller.pollOnce().raised == 0)
            #expect(try await fixture.count(.memberLeft) == 1)
            #expect(try await fixture.count(.memberJoined) == 0)
        }
    }

    /// `max_pages` above the client's own cap of 50 is what limits the listing: 73 one-member pages are
    /// all read under a cap of 80, and a cap of 60 cuts at 60 and says so.
    @Test func aPageCapAboveFiftyIsTheOneThatApplies() async throws {
        try await PollerFixture.with { fixture in
            try await fixture.simulator.addGeneratedMembers(organization: "acme-ai", count: 70)
            let whole = try await MembersPoller(organization: "acme-ai", context: fixture.context(maxPages: 80), pageSize: 1).pollOnce()
            #expect(whole.apiCalls == 73)
            #expect(!whole.truncated)
            let cut = try await MembersPoller(organization: "acme-ai", context: fixture.context(maxPages: 60), pageSize: 1).pollOnce()
            #expect(cut.apiCalls == 60)
            #expect(cut.truncated)
            #expect(fixture.warnings("Listing cut by the page cap; the rest is read next cycle or never") == 1)
            // The poller's warning is the one: the client's own note of the cap stays at debug.
            #expect(fixture.warnings("Listing stopped at the page cap") == 0)
        }
    }

    @Test func aListingCutByThePageCapRaisesNoLeavesAndWarns() async throws {
        try await PollerFixture.with { fixture in
            try await fixture.simulator.addGeneratedMembers(organization: "acme-ai", count: 30)
            let full = MembersPoller(organization: "acme-ai", context: fixture.context(), pageSize: 10)
            _ = try await full.pollOnce()
            let capped = MembersPoller(organization: "acme-ai", context: fixture.context(maxPages: 2), pageSize: 10)
            let cycle = try await capped.pollOnce()
            #expect(cycle.truncated)
            #expect(cycle.apiCalls == 2)
            #expect(cycle.raised == 0)
            #expect(fixture.warnings("Listing cut by the page cap; the rest is read next cycle or never") == 1)
            #expect(try await full.pollOnce().raised == 0)
        }
    }

    /// A server that repeats a `next` link, sends an empty page with a `next`, or a `next` that is not a
    /// URL has not listed everyone: nobody it did not list may be reported as gone.
    @Test(arguments: ["repeat_next", "empty_pages", "malformed_next"])
    func aListingTheServerCutsShortRaisesNoLeavesAndWarns(_ fault: String) async throws {
        try await PollerFixture.with { fixture in
            try await fixture.simulator.addGeneratedMembers(organization: "acme-ai", count: 30)
            let poller = MembersPoller(organization: "acme-ai", context: fixture.context(), pageSize: 10)
            _ = try await poller.pollOnce()
            if let quirk = PaginationQuirk(rawValue: fault) {
                await fixture.simulator.setPaginationQuirk(quirk)
            } else {
                await fixture.simulator.setNextLinkBase("http://bad host/api/v1")
            }
            let cycle = try await poller.pollOnce()
            #expect(cycle.truncated)
            #expect(cycle.raised == 0)
            #expect(fixture.warnings("Listing cut short by the server's paging; what was not read is kept as it was") == 1)
            await fixture.simulator.setPaginationQuirk(nil)
            await fixture.simulator.setNextLinkBase(nil)
            #expect(try await poller.pollOnce().raised == 0)
            #expect(try await fixture.count(.memberLeft) == 0)
        }
    }
}
