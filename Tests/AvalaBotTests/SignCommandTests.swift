import AsyncHTTPClient
import BotEngine
import BotKit
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import WebhookListener

@testable import AvalaBot

/// `avala-bot sign`: what it prints is a delivery a listener of that scheme accepts — checked by sending
/// it, headers and file as printed, to a real listener.
@Suite struct SignCommandTests {
    static let secrets: [WebhookScheme: String] = [
        .avala: "s3cret", .github: "s3cret", .stripe: "whsec_stripe_s3cret", .standardWebhooks: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    ]

    static func file(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sign-\(UUID().uuidString).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The printed `Name: value` lines, in order.
    static func headers(_ output: String) -> [(String, String)] {
        output.split(separator: "\n").filter { !$0.hasPrefix("curl ") }.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(colon, offsetBy: 2)...]))
        }
    }

    /// The curl line is one a shell reads as printed: a file name with a space or a quote, and a URL with
    /// `&`, stay one word each.
    @Test func theCurlLineIsQuotedForTheShell() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("it's my body.json").path
        try #"{"uid": "e-1"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let url = "https://localhost:8443/webhooks/avala?env=prod&x=$HOME"
        let output = try await InspectCommandTests.run(["sign", "--secret", "s3cret", "--url", url, "--cacert", "/etc/my ca.pem", path])
        let curl = try #require(output.split(separator: "\n").last { $0.hasPrefix("curl ") })
        // The shell's reading of the line, one word per line, with printf standing in for curl.
        let shell = try await ChildProcess.run("/bin/sh", ["-c", "printf '%s\\n' " + curl.dropFirst("curl ".count)])
        let words = shell.output.split(separator: "\n").map(String.init)
        #expect(words.suffix(5) == ["--data-binary", "@" + path, "--cacert", "/etc/my ca.pem", url], "\(words)")
        #expect(words.filter { $0 == "-H" }.count == Self.headers(output).count + 1, "\(words)")
    }

    /// A body the listener would answer 400 (not JSON, not an object) is refused, not signed.
    @Test func aBodyTheListenerWouldRefuseIsNotSigned() async throws {
        for (json, problem) in [(#"{"uid": "#, "is not valid JSON (line 1"), ("[1, 2]", "is not a JSON object")] {
            let path = try Self.file(json)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let message = await InspectCommandTests.failure(["sign", "--secret", "s3cret", path])
            #expect(message.hasPrefix("\(path) \(problem)") && message.hasSuffix("the listener would answer 400"), "\(message)")
        }
        let path = try Self.file(#"{"uid": "e-1"}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let badType = await InspectCommandTests.failure(["sign", "--secret", "s3cret", "--event", "../x", path])
        #expect(badType.contains("event type '../x' is not a name"), "\(badType)")
    }

    /// With `--secret-file`, the secret is read from a file (its trailing newline ignored) and what is
    /// printed is just as accepted, without the secret in it.
    @Test(arguments: [WebhookScheme.avala, .github, .standardWebhooks, .stripe], [false, true])
    func whatItPrintsIsAccepted(scheme: WebhookScheme, secretInFile: Bool) async throws {
        let secret = try #require(Self.secrets[scheme])
        // The header-less schemes need the type in the body; the others get it from --event.
        let body =
            scheme == .avala || scheme == .github
            ? #"{"uid": "e-1", "status": "exported"}"# : #"{"type": "export.completed", "uid": "e-1", "status": "exported", "id": "evt_1"}"#
        let path = try Self.file(body)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let secretFile = try Self.file(secret + "\n")
        defer { try? FileManager.default.removeItem(atPath: secretFile) }
        var arguments = ["sign"] + (secretInFile ? ["--secret-file", secretFile] : ["--secret", secret]) + ["--scheme", scheme.rawValue, path]
        if scheme == .avala || scheme == .github { arguments += ["--event", "export.completed"] }
        let output = try await InspectCommandTests.run(arguments)
        #expect(output.contains("curl -sS -X POST"))
        #expect(!output.contains(secret))

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let logger = Logger(label: "sign-test") { _ in SwiftLogNoOpLogHandler() }
        let store = try SQLiteEventStore(path: directory.appendingPathComponent("events.sqlite").path, logger: logger)
        try await store.migrate()
        let listener = try WebhookListener(
            configuration: WebhookListenerConfiguration(
                host: "127.0.0.1",
                port: 0,
                paths: [WebhookPath(verification: WebhookVerification(scheme: scheme, secrets: [WebhookSecret(secret)]))],
                plainHTTP: true
            ),
            store: store,
            logger: logger
        )
        try await ServiceGroupRunner.whileRunning(listener, logger: logger) {
            let port = try await listener.waitUntilListening()
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhooks/avala")
            request.method = .POST
            for (name, value) in Self.headers(output) { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let answer = String(buffer: try await response.body.collect(upTo: 1 << 16))
            #expect(response.status == .accepted, "\(scheme.rawValue): \(answer)")
        }
        let stored = try await store.recentEvents(limit: 5, since: nil)
        #expect(stored.map(\.event.type) == ["export.completed"])
        try store.close()
    }

    /// The header-less schemes cannot carry `--event`, and a body naming no type would be a 400.
    @Test(arguments: [WebhookScheme.standardWebhooks, .stripe])
    func aSchemeWithoutAnEventHeaderNeedsTheTypeInTheBody(scheme: WebhookScheme) async throws {
        let path = try Self.file(#"{"uid": "e-1", "status": "exported"}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let secret = try #require(Self.secrets[scheme])
        let untyped = await InspectCommandTests.failure(["sign", "--secret", secret, "--scheme", scheme.rawValue, path])
        #expect(untyped.contains("names no type"), "\(untyped)")
        let withEvent = await InspectCommandTests.failure([
            "sign", "--secret", secret, "--scheme", scheme.rawValue, "--event", "export.completed", path,
        ])
        #expect(withEvent.contains("has no event type header, so --event cannot be sent"), "\(withEvent)")
    }

    /// A secret that cannot sign anything is refused with what is wrong with it, never the secret itself
    /// and never an error code's name.
    @Test func anEmptyOrMalformedSecretIsRefusedClearly() async throws {
        let path = try Self.file(#"{"type": "export.completed", "uid": "e-1"}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(await InspectCommandTests.failure(["sign", "--secret", "", path]) == "--secret must not be empty")
        #expect(await InspectCommandTests.failure(["sign", path]) == "give --secret or --secret-file (one of them)")

        let malformed = await InspectCommandTests.failure(["sign", "--secret", "whsec_!!!", "--scheme", "standard-webhooks", path])
        #expect(malformed == "--secret: a standard-webhooks secret is whsec_ followed by base64")
        #expect(!malformed.contains("invalidConfiguration") && !malformed.contains("!!!"))

        let empty = try Self.file("\n")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(await InspectCommandTests.failure(["sign", "--secret-file", empty, path]) == "--secret-file \(empty): the file is empty")
        let missing = await InspectCommandTests.failure(["sign", "--secret-file", "/nonexistent/secret", path])
        #expect(missing.hasPrefix("--secret-file /nonexistent/secret: cannot read it: no such file"), "\(missing)")
    }
}
