import AvalaAPI
import AvalaSimulator
import Foundation
import TestSupport
import Testing

@Suite struct PaginationTests {
    @Test func followsCursorPagesThroughMoreThanAThousandItems() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client async throws in
                let items = try await client.datasetItems(owner: "acme-ai", slug: "training-v2", pageSize: 100).collect()
                #expect(items.count == 1_200)
                #expect(Set(items.map(\.uid)).count == 1_200)
                #expect(items.first?.id == 1 && items.last?.id == 1_200)
                let pages = await harness.simulator.requests().filter { $0.path.hasSuffix("/items/") }
                #expect(pages.count == 12)
                // Every page after the first was asked for with the cursor the server gave.
                #expect(pages.dropFirst().allSatisfy { $0.query?.contains("cursor=") == true })
            }
        }
    }

    @Test func pagesThroughALargeOrganization() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.simulator.addGeneratedMembers(organization: "acme-ai", count: 1_050, domain: "big.example")
            try await harness.withClient { client async throws in
                let members = try await client.members(organization: "acme-ai", pageSize: 250).collect()
                #expect(members.count == 1_053)
                #expect(Set(members.map(\.userUID)).count == 1_053)
            }
        }
    }

    @Test func stopsAtThePageCapAndSaysSo() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient({ $0.maxPages = 3 }) { client async throws in
                var pages: [Page<DatasetItem>] = []
                for try await page in try client.datasetItems(owner: "acme-ai", slug: "training-v2", pageSize: 100).pages {
                    pages.append(page)
                }
                #expect(pages.count == 3)
                #expect(pages.map(\.results.count) == [100, 100, 100])
                #expect(pages.last?.truncatedByCap == true)
                #expect(pages.dropLast().allSatisfy { !$0.truncatedByCap })
                #expect(harness.renderedLogs.contains("Listing stopped at the page cap"))
            }
        }
    }

    @Test func aLastPageIsNotMarkedTruncated() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient({ $0.maxPages = 12 }) { client async throws in
                var last: Page<DatasetItem>?
                for try await page in try client.datasetItems(owner: "acme-ai", slug: "training-v2", pageSize: 100).pages {
                    last = page
                }
                #expect(last?.next == nil)
                #expect(last?.truncatedByCap == false)
            }
        }
    }

    @Test func filtersTravelWithTheFirstRequest() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client async throws in
                let owners = try await client.members(organization: "acme-ai", role: .owner).collect()
                #expect(owners.map(\.username) == ["alice"])
                let found = try await client.members(organization: "acme-ai", search: "car").collect()
                #expect(found.map(\.email) == ["carol@acme.ai"])
                let completed = try await client.tasks(TaskFilter(project: SimulatorSeed.UID.activeProject, status: "completed"))
                    .collect()
                #expect(completed.count == 3)
                #expect(completed.allSatisfy { $0.status == "completed" })
            }
        }
    }

    @Test func readsPageNumberEndpoints() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client async throws in
                let organizations = try await client.organizations().collect()
                #expect(organizations.map(\.slug) == ["acme-ai", "acme-labelers"])
            }
        }
    }

    /// A `next` that points at another origin must not receive the key: its query is re-issued against
    /// the configured base instead, and the listing still completes.
    @Test func neverFollowsANextLinkToAnotherHost() async throws {
        let elsewhere = RecordingServer()
        try await elsewhere.serve { otherOrigin in
            try await SimulatorHarness.with { harness in
                await harness.simulator.setNextLinkBase(otherOrigin + "/api/v1")
                try await harness.withClient { client async throws in
                    let items = try await client.datasetItems(owner: "acme-ai", slug: "training-v2", pageSize: 500).collect()
                    #expect(items.count == 1_200)
                }
                #expect(harness.renderedLogs.contains("A next link points to another host"))
            }
        }
        #expect(elsewhere.received.isEmpty)
    }

    /// A `next` link that leads to an empty last page (a server that promised more than it sent, or
    /// items that moved while the pages were read) ends the listing, marked cut: not known to be whole.
    @Test func anEmptyPageAfterANextLinkIsMarkedCut() async throws {
        try await SimulatorHarness.with { harness in
            try await harness.withClient { client async throws in
                let count = try await client.datasetItems(owner: "acme-ai", slug: "training-v2", pageSize: 100).collect().count
                try #require(count >= 2)
                await harness.simulator.setPaginationQuirk(.emptyPages)
                let pageSize = (count + 1) / 2
                var pages: [Page<DatasetItem>] = []
                for try await page in try client.datasetItems(owner: "acme-ai", slug: "training-v2", pageSize: pageSize).pages {
                    pages.append(page)
                }
                #expect(pages.count == 2)
                #expect(pages.last?.results.isEmpty == true)
                #expect(pages.last?.next == nil)
                #expect(pages.last?.cut == .emptyLastPage)
                #expect(pages.first?.cut == nil)
                #expect(harness.renderedLogs.contains("listing.cut=empty_last_page"))

                // An empty listing is whole: its only page is empty by right.
                await harness.simulator.setPaginationQuirk(nil)
                var none: [Page<Webhook>] = []
                for try await page in client.webhooks(pageSize: 10).pages { none.append(page) }
                #expect(none.count == 1 && none.first?.cut == nil, "\(none)")
            }
        }
    }

    /// A server that breaks its own paging ends the listing early, and the last page read says why: a
    /// caller must not take what it did not read for gone.
    @Test(arguments: [ListingCut.repeatedNext, .emptyPageWithNext, .malformedNext])
    func aListingTheServerCutsShortIsMarkedCut(_ expected: ListingCut) async throws {
        try await SimulatorHarness.with { harness in
            switch expected {
            case .repeatedNext: await harness.simulator.setPaginationQuirk(.repeatNext)
            case .emptyPageWithNext: await harness.simulator.setPaginationQuirk(.emptyPages)
            default: await harness.simulator.setNextLinkBase("http://bad host/api/v1")
            }
            try await harness.withClient { client async throws in
                var pages: [Page<DatasetItem>] = []
                for try await page in try client.datasetItems(owner: "acme-ai", slug: "training-v2", pageSize: 100).pages {
                    pages.append(page)
                }
                #expect(pages.count == (expected == .malformedNext ? 1 : 2))
                #expect(pages.last?.cut == expected)
                #expect(pages.dropLast().allSatisfy { $0.cut == nil })
                #expect(harness.renderedLogs.contains("Listing stopped before its end"))
                #expect(harness.renderedLogs.contains("listing.cut=\(expected)"))
            }
        }
    }
}
