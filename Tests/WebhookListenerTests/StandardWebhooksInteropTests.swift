import AsyncHTTPClient
import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import Logging
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import WebhookListener

/// A delivery signed by the PyPI `standardwebhooks` package is accepted. Skipped locally when the package
/// is missing; required when `CI` is set.
@Suite struct StandardWebhooksInteropTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    static func available() async -> Bool {
        (try? await python(["-c", "import standardwebhooks"]).status) == 0
    }

    static func python(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let result = try await ChildProcess.run("/usr/bin/env", ["python3"] + arguments)
        return (result.status, result.output)
    }

    @Test(.enabled { await available() || ProcessInfo.processInfo.environment["CI"] != nil })
    func aDeliverySignedByThePythonPackageIsAccepted() async throws {
        let body = #"{"type": "dataset.created", "data": {"uid": "ds-py", "name": "From Python"}}"#
        let script = """
            import sys, time, datetime
            from standardwebhooks.webhooks import Webhook
            ts = datetime.datetime.now(tz=datetime.timezone.utc)
            print(Webhook(sys.argv[1]).sign("msg_py_1", ts, sys.argv[2]))
            print(int(ts.timestamp()))
            """
        let run = try await Self.python(["-c", script, Self.secret, body])
        try #require(run.status == 0, "python standardwebhooks failed")
        let lines = run.output.split(separator: "\n").map(String.init)
        try #require(lines.count == 2)
        let configuration = ListenerHarness.plainConfiguration(scheme: .standardWebhooks, secrets: [WebhookSecret(Self.secret)])
        try await ListenerHarness.with(configuration) { harness async throws in
            let headers = [("webhook-id", "msg_py_1"), ("webhook-timestamp", lines[1]), ("webhook-signature", lines[0])]
            let answer = try await harness.post(body: Array(body.utf8), headers: headers)
            #expect(answer.status == 202)
            let event = try #require(try await harness.events().first?.event)
            #expect(event.type == .datasetCreated)
            #expect(event.keys.contains("delivery:avala:msg_py_1"))
        }
    }
}
