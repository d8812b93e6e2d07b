import AsyncHTTPClient
import AvalaAPI
import Foundation
import NIOHTTP1
import TestSupport
import Testing

@testable import AvalaSimulator

/// What the simulator answers at the HTTP level, where the official SDK is particular.
@Suite struct APIBehaviourTests {
    typealias Call = ControlSurfaceTests

    @Test func requestsWithoutAValidKeyAre401() async throws {
        try await SimulatorHarness.with { harness in
            let missing = try await Call.call(.GET, harness.baseURL + "/datasets/", nil)
            #expect(missing.status == 401)
            #expect(String(decoding: missing.body, as: UTF8.self).contains("Authentication credentials were not provided."))
            let wrong = try await Call.call(.GET, harness.baseURL + "/datasets/", nil, headers: [("X-Avala-Api-Key", "avk_nope")])
            #expect(wrong.status == 401)
        }
    }

    @Test func everyAnswerCarriesRateLimitHeadersAndTheLimitIs429() async throws {
        var configuration = SimulatorHarness.testConfiguration()
        configuration.requestsPerMinute = 2
        try await SimulatorHarness.with(configuration) { harness in
            let key = [("X-Avala-Api-Key", harness.apiKey)]
            let first = try await Call.call(.GET, harness.baseURL + "/datasets/", nil, headers: key)
            #expect(first.status == 200)
            #expect(first.headers.contains { $0.0.lowercased() == "x-ratelimit-limit" && $0.1 == "2" })
            #expect(first.headers.contains { $0.0.lowercased() == "x-ratelimit-remaining" && $0.1 == "1" })
            #expect(first.headers.contains { $0.0.lowercased() == "x-ratelimit-reset" && Int($0.1) != nil })
            _ = try await Call.call(.GET, harness.baseURL + "/datasets/", nil, headers: key)
            let throttled = try await Call.call(.GET, harness.baseURL + "/datasets/", nil, headers: key)
            #expect(throttled.status == 429)
            let retryAfter = try #require(throttled.headers.first { $0.0.lowercased() == "retry-after" }?.1)
            // Integer seconds: the SDK parses it with float().
            #expect(Int(retryAfter).map { $0 >= 1 && $0 <= 60 } == true)
        }
    }

    @Test func aPathWithoutTrailingSlashIsRedirected() async throws {
        try await SimulatorHarness.with { harness in
            let answer = try await Call.call(.GET, harness.baseURL + "/datasets", nil, headers: [("X-Avala-Api-Key", harness.apiKey)])
            #expect(answer.status == 301)
            #expect(answer.headers.contains { $0.0.lowercased() == "location" && $0.1 == "/api/v1/datasets/" })
        }
    }

    @Test func cursorsAreURLSafeAndCarryThePageSize() async throws {
        try await SimulatorHarness.with { harness in
            let key = [("X-Avala-Api-Key", harness.apiKey)]
            let first = try await Call.call(
                .GET,
                harness.baseURL + "/datasets/acme-ai/training-v2/items/?limit=7",
                nil,
                headers: key
            )
            let page = try AvalaJSON.makeDecoder().decode(Page<DatasetItem>.self, from: first.body)
            #expect(page.results.count == 7)
            let next = try #require(page.next)
            #expect(next.hasPrefix(harness.baseURL + "/datasets/acme-ai/training-v2/items/?"))
            let cursor = try #require(URLComponents(string: next)?.queryItems?.first { $0.name == "cursor" }?.value)
            #expect(cursor.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            // The SDK sends only the cursor back; the page size must survive.
            let second = try await Call.call(
                .GET,
                harness.baseURL + "/datasets/acme-ai/training-v2/items/?cursor=\(cursor)",
                nil,
                headers: key
            )
            let secondPage = try AvalaJSON.makeDecoder().decode(Page<DatasetItem>.self, from: second.body)
            #expect(secondPage.results.map(\.id) == Array(8...14))
            let bad = try await Call.call(.GET, harness.baseURL + "/datasets/?cursor=garbage!", nil, headers: key)
            #expect(bad.status == 404)
        }
    }

    @Test func pageNumberEndpointsAlsoReadACursorNumber() async throws {
        try await SimulatorHarness.with { harness in
            let key = [("X-Avala-Api-Key", harness.apiKey)]
            let first = try await Call.call(.GET, harness.baseURL + "/organizations/?limit=1", nil, headers: key)
            let page = try AvalaJSON.makeDecoder().decode(Page<Organization>.self, from: first.body)
            #expect(page.count == 2)
            #expect(page.next?.contains("page=2") == true)
            let second = try await Call.call(.GET, harness.baseURL + "/organizations/?limit=1&cursor=2", nil, headers: key)
            let secondPage = try AvalaJSON.makeDecoder().decode(Page<Organization>.self, from: second.body)
            #expect(secondPage.results.map(\.slug) == ["acme-labelers"])
        }
    }

    @Test func deleteAnswers204WithNoBody() async throws {
        try await SimulatorHarness.with { harness in
            let key = [("X-Avala-Api-Key", harness.apiKey)]
            let created = try await Call.call(
                .POST,
                harness.baseURL + "/webhooks/",
                ["target_url": "https://example.invalid/h", "events": ["export.failed"]],
                headers: key
            )
            #expect(created.status == 201)
            let hook = try AvalaJSON.makeDecoder().decode(Webhook.self, from: created.body)
            #expect(hook.secret?.isEmpty == false)
            let deleted = try await Call.call(.DELETE, harness.baseURL + "/webhooks/\(hook.uid)/", nil, headers: key)
            #expect(deleted.status == 204)
            #expect(deleted.body.isEmpty)
        }
    }

    @Test func malformedBodiesAreValidationErrors() async throws {
        try await SimulatorHarness.with { harness in
            let key = [("X-Avala-Api-Key", harness.apiKey)]
            let notObject = try await Call.call(.POST, harness.baseURL + "/exports/", ["a", "b"], headers: key)
            #expect(notObject.status == 400)
            let empty = try await Call.call(.POST, harness.baseURL + "/exports/", [:], headers: key)
            #expect(empty.status == 400)
            let badEvent = try await Call.call(
                .POST,
                harness.baseURL + "/webhooks/",
                ["target_url": "https://x.invalid", "events": ["member.joined"]],
                headers: key
            )
            #expect(badEvent.status == 400)
            #expect(String(decoding: badEvent.body, as: UTF8.self).contains("events"))
        }
    }

    @Test func exportsProgressOverTime() async throws {
        var configuration = SimulatorHarness.testConfiguration()
        // A wide processing window, so a poll every 20 ms sees it even on a loaded machine.
        configuration.exportProcessingAfter = .milliseconds(50)
        configuration.exportCompletionAfter = .milliseconds(1_500)
        try await SimulatorHarness.with(configuration) { harness in
            try await harness.withClient { client async throws in
                let export = try await client.createExport(.sdkProject(SimulatorSeed.UID.activeProject))
                var seen: [ExportStatus] = [export.status ?? "none"]
                while seen.last?.isTerminal != true {
                    try await Task.sleep(for: .milliseconds(20))
                    let status = try await client.export(uid: export.uid).status ?? "none"
                    if status != seen.last { seen.append(status) }
                }
                // Forward only, on the simulator's own clock. Whether a poll lands inside `processing`
                // depends on how the host schedules this task, so this test does not require seeing it;
                // `anExportNeverSkipsProcessing` holds the steps exactly, on a clock the test sets.
                #expect(seen == [.requested, .processing, .exported] || seen == [.requested, .exported])
                #expect(seen.first == .requested && seen.last == .exported)
            }
        }
    }

    @Test func anExportNeverSkipsProcessing() async throws {
        var configuration = SimulatorHarness.testConfiguration()
        configuration.exportProcessingAfter = .milliseconds(200)
        configuration.exportCompletionAfter = .seconds(1)
        let state = SimulatorState(configuration: configuration)
        let created = try await state.createExport(
            name: nil,
            format: nil,
            projects: [SimulatorSeed.UID.activeProject],
            datasets: [],
            slices: []
        )
        let start = try #require(created.createdAt)
        func status(after seconds: TimeInterval) async throws -> ExportStatus? {
            await state.advanceExports(now: start.addingTimeInterval(seconds))
            return try await state.export(uid: created.uid).status
        }
        #expect(try await status(after: 0.1) == .requested)
        // A tick that comes late (a loaded host) still moves one step, and `processing` then lasts its
        // full share of the time from that tick on.
        #expect(try await status(after: 5) == .processing)
        #expect(try await status(after: 5.7) == .processing)
        #expect(try await status(after: 5.9) == .exported)
        #expect(try await status(after: 60) == .exported)
    }
}
