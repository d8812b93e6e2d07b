import AsyncHTTPClient
import BotKit
import Foundation
import TestSupport
import Testing

@testable import AvalaBot

/// The outbound HTTP that alert receivers and forward targets send through: what it refuses before
/// sending is refused for good, so the dispatcher dead-letters the action instead of retrying it.
@Suite struct HTTPOutboundTests {
    @Test func aDryRunAndANonHTTPURLAreRefusedForGoodWithoutARequest() async throws {
        let server = RecordingServer()
        let client = HTTPOutbound.makeClient()
        do {
            try await server.serve { base in
                let dryRun = HTTPOutbound(client: client, dryRun: true)
                let refusal = try await Self.refusal(dryRun, url: base + "/hook")
                #expect(refusal?.isPermanent == true)
                #expect(refusal?.message == "dry run: no outbound request was sent")

                let live = HTTPOutbound(client: client, dryRun: false)
                let scheme = try await Self.refusal(live, url: "ftp://files.example.test/drop/s3cr3t-path")
                #expect(scheme?.isPermanent == true)
                #expect(scheme?.message == "refused to send to ftp://files.example.test: only http and https URLs are allowed")

                // The same client does send when nothing forbids it: the refusals above are not the
                // client failing.
                let sent = try await live.send(OutboundRequest(method: "POST", url: base + "/hook", body: Data("{}".utf8)))
                #expect(sent.status == 200)
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        #expect(server.received.map(\.path) == ["/hook"])
    }

    /// A receiver nobody listens at fails at once, said in words, by address or by host name; the
    /// error stays transient (not an `ActionError`), so the action is retried.
    @Test(arguments: ["http://127.0.0.1:9/hook", "http://localhost:9/hook"])
    func aClosedPortIsSaidInWords(url: String) async throws {
        let client = HTTPOutbound.makeClient()
        let live = HTTPOutbound(client: client, dryRun: false)
        let error = await #expect(throws: (any Error).self) {
            _ = try await live.send(OutboundRequest(method: "POST", url: url, body: Data("{}".utf8)))
        }
        try await client.shutdown()
        #expect(!(error is ActionError))
        #expect(error.map { "\($0)" } == "connection refused (nothing listens at the receiver's address)")
    }

    /// A receiver that sends its head and then stalls its body is answered by its head once the
    /// request's timeout is up: the action neither hangs nor is retried for an answer it got.
    /// The timeout is 5 s: the head must arrive within it on a loaded machine (2 s did not, once).
    @Test(.timeLimit(.minutes(1))) func aStalledBodyEndsAtTheTimeoutWithTheStatusItCameWith() async throws {
        let server = RecordingServer(statuses: [202, 500], stallsBody: true)
        let client = HTTPOutbound.makeClient()
        do {
            try await server.serve { base in
                let live = HTTPOutbound(client: client, dryRun: false)
                for status in [202, 500] {
                    let answer = try await live.send(
                        OutboundRequest(method: "POST", url: base + "/hook", body: Data("{}".utf8), timeout: .seconds(5))
                    )
                    #expect(answer.status == status)
                    #expect(String(decoding: answer.body, as: UTF8.self) == RecordingServer.stalledBodyStart)
                }
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        #expect(server.received.count == 2)
    }

    /// Only the start of an answer is kept: reading stops there.
    @Test func onlyTheStartOfALongAnswerIsKept() async throws {
        let server = RecordingServer()
        let client = HTTPOutbound.makeClient()
        do {
            try await server.serve { base in
                var live = HTTPOutbound(client: client, dryRun: false)
                live.maxResponseBytes = 5
                let answer = try await live.send(OutboundRequest(method: "POST", url: base + "/hook", body: Data("{}".utf8)))
                #expect(answer.status == 200)
                #expect(String(decoding: answer.body, as: UTF8.self) == #"{"rec"#)
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// The `ActionError` that `send` threw, or nil when it sent.
    private static func refusal(_ http: HTTPOutbound, url: String) async throws -> ActionError? {
        do {
            _ = try await http.send(OutboundRequest(method: "POST", url: url, body: Data("{}".utf8)))
            return nil
        } catch let error as ActionError {
            return error
        }
    }
}
