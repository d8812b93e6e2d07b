import AsyncHTTPClient
import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing
import WebhookListener

@Suite struct ListenerTests {
    static let exportBody = Array(#"{"uid": "e-42", "status": "exported", "format": "coco"}"#.utf8)

    @Test func aSignedDeliveryIsStoredThenAcceptedAndWakesTheDispatcher() async throws {
        let wake = WakeSignal()
        try await ListenerHarness.with(wake: wake) { harness async throws in
            let answer = try await harness.post(body: Self.exportBody, headers: ListenerHarness.avalaHeaders(Self.exportBody))
            #expect(answer.status == 202)
            let events = try await harness.events()
            #expect(events.count == 1)
            let event = try #require(events.first?.event)
            #expect(answer.json?["id"] as? String == event.id)
            #expect(event.type == .exportCompleted)
            #expect(event.origin == "avala")
            #expect(Set(event.keys) == ["delivery:avala:d-1", "export.completed:e-42"])
            #expect(event.data["export"]?["status"] == "completed")
        }
    }

    @Test func anExportTheBotCreatedIsStoredWithItsChainDepth() async throws {
        try await ListenerHarness.with { harness async throws in
            _ = try await harness.store.updateSnapshot(SQLiteEventStore.chainSnapshotKey(exportUID: "e-42")) { _ in 2 }
            let answer = try await harness.post(body: Self.exportBody, headers: ListenerHarness.avalaHeaders(Self.exportBody))
            #expect(answer.status == 202)
            #expect(try await harness.events().first?.event.chainDepth == 2)
        }
    }

    @Test func aRepeatedDeliveryIsADuplicateAndStoresNothing() async throws {
        try await ListenerHarness.with { harness async throws in
            let headers = ListenerHarness.avalaHeaders(Self.exportBody)
            #expect(try await harness.post(body: Self.exportBody, headers: headers).status == 202)
            let again = try await harness.post(body: Self.exportBody, headers: headers)
            #expect(again.status == 200)
            #expect(again.json?["duplicate"] as? Bool == true)
            // Another delivery id for the same fact is a duplicate too (the semantic key).
            let other = try await harness.post(body: Self.exportBody, headers: ListenerHarness.avalaHeaders(Self.exportBody, delivery: "d-2"))
            #expect(other.status == 200)
            #expect(try await harness.events().count == 1)
        }
    }

    @Test func aWrongSignatureIs401WithAShortReasonAndNoEvent() async throws {
        try await ListenerHarness.with { harness async throws in
            let answer = try await harness.post(body: Self.exportBody, headers: ListenerHarness.avalaHeaders(Self.exportBody, secret: "guess"))
            #expect(answer.status == 401)
            #expect(answer.json?["error"] as? String == "invalid signature")
            #expect(!answer.body.contains("s3cret"))
            let unsigned = try await harness.post(body: Self.exportBody, headers: [("X-Avala-Webhook-Event", "export.completed")])
            #expect(unsigned.status == 401)
            #expect(try await harness.events().isEmpty)
            #expect(!harness.logs.entries.contains { "\($0.message) \($0.metadata)".contains("s3cret") })
        }
    }

    @Test func aSecondSecretIsAcceptedDuringRotation() async throws {
        let configuration = ListenerHarness.plainConfiguration(secrets: ["s3cret-one", "s3cret-two"])
        try await ListenerHarness.with(configuration) { harness async throws in
            let answer = try await harness.post(body: Self.exportBody, headers: ListenerHarness.avalaHeaders(Self.exportBody, secret: "s3cret-two"))
            #expect(answer.status == 202)
        }
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        var configuration = ListenerHarness.plainConfiguration()
        configuration.maxBody = 64
        try await ListenerHarness.with(configuration) { harness async throws in
            let big = Array(("{\"uid\": \"" + String(repeating: "x", count: 200) + "\"}").utf8)
            let answer = try await harness.post(body: big, headers: ListenerHarness.avalaHeaders(big))
            #expect(answer.status == 413)
            // Streamed without a length: the limit holds while reading.
            var request = HTTPClientRequest(url: harness.baseURL + "/webhooks/avala")
            request.method = .POST
            for (name, value) in ListenerHarness.avalaHeaders(big) { request.headers.add(name: name, value: value) }
            let chunks = stride(from: 0, to: big.count, by: 16).map { ByteBuffer(bytes: big[$0..<min($0 + 16, big.count)]) }
            let stream = AsyncStream<ByteBuffer> { continuation in
                for chunk in chunks { continuation.yield(chunk) }
                continuation.finish()
            }
            request.body = .stream(stream, length: .unknown)
            #expect(try await harness.send(request).status == 413)
            let small = Array(#"{"uid": "e-1"}"#.utf8)
            #expect(try await harness.post(body: small, headers: ListenerHarness.avalaHeaders(small)).status == 202)
            #expect(try await harness.events().count == 1)
            // Each refusal is in the log with its reason: a sender's failing deliveries can be explained.
            let refused = harness.logs.entries.filter { $0.message == "Webhook refused" }
            #expect(refused.count == 2)
            #expect(refused.allSatisfy { $0.metadata["status"] == "413" && $0.metadata["reason"] == "body larger than 64 bytes" })
        }
    }

    @Test func aStoreThatCannotWriteIs503WithRetryAfter() async throws {
        let broken: @Sendable (SQLiteEventStore) -> any EventStore = { BrokenStore($0) }
        try await ListenerHarness.with(wrapStore: broken) { harness async throws in
            let answer = try await harness.post(body: Self.exportBody, headers: ListenerHarness.avalaHeaders(Self.exportBody))
            #expect(answer.status == 503)
            #expect(answer.headers.first(name: "Retry-After") == "5")
            #expect(try await harness.events().isEmpty)
            #expect(try await harness.get("/readyz").status == 503)
            #expect(try await harness.get("/healthz").status == 200)
        }
    }

    /// The probes answer HEAD as they answer GET (some load balancers probe with HEAD), without a body.
    @Test func theProbesAnswerHead() async throws {
        try await ListenerHarness.with { harness async throws in
            for path in ["/healthz", "/readyz"] {
                var request = HTTPClientRequest(url: harness.baseURL + path)
                request.method = .HEAD
                let answer = try await harness.send(request)
                #expect(answer.status == 200, "\(path)")
                #expect(answer.body.isEmpty, "\(path)")
            }
        }
    }

    @Test func malformedJSONIs400WithThePosition() async throws {
        try await ListenerHarness.with { harness async throws in
            let body = Array("{\"uid\": \"e-1\",\n \"status\": oops}".utf8)
            let answer = try await harness.post(body: body, headers: ListenerHarness.avalaHeaders(body))
            #expect(answer.status == 400)
            let reason = try #require(answer.json?["error"] as? String)
            #expect(reason.contains("line 2"))
            #expect(reason.contains("byte"))
            #expect(try await harness.events().isEmpty)
        }
    }

    /// A sender set to send a form (GitHub's default content type) signs it, and the signature passes:
    /// the answer names the content type to set (415), not a JSON parse error at byte 0. A JSON body
    /// under another content type is still taken.
    @Test func aSignedFormBodyIs415NamingTheContentType() async throws {
        try await ListenerHarness.with { harness async throws in
            func post(_ text: String, contentType: String, delivery: String) async throws -> ListenerHarness.Answer {
                let body = Array(text.utf8)
                var request = HTTPClientRequest(url: harness.baseURL + "/webhooks/avala")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: contentType)
                for (name, value) in ListenerHarness.avalaHeaders(body, delivery: delivery) { request.headers.add(name: name, value: value) }
                request.body = .bytes(ByteBuffer(bytes: body))
                return try await harness.send(request)
            }
            let form = try await post("payload=%7B%22uid%22%3A%22e-1%22%7D", contentType: "application/x-www-form-urlencoded", delivery: "d-form")
            #expect(form.status == 415)
            #expect(
                form.json?["error"] as? String
                    == "Content-Type application/x-www-form-urlencoded is not JSON: set the sender's content type to application/json"
            )
            #expect(try await harness.events().isEmpty)
            // Broken JSON sent as JSON is still a 400 with the position.
            #expect(try await post("{\"uid\": oops}", contentType: "application/json; charset=utf-8", delivery: "d-broken").status == 400)
            // A JSON body is taken whatever type it is labelled with.
            let labelled = try await post(#"{"uid": "e-1", "status": "exported"}"#, contentType: "text/plain", delivery: "d-text")
            #expect(labelled.status == 202, "\(labelled.body)")
        }
    }

    /// An Avala payload is an object: a signed array, string or number is refused with a short reason
    /// and stores nothing, in both formats.
    @Test(arguments: [WebhookFormat.avala, .avalaBot], ["[1,2,3]", #""text""#, "42"])
    func aBodyThatIsNotAnObjectIs400(format: WebhookFormat, text: String) async throws {
        try await ListenerHarness.with(ListenerHarness.plainConfiguration(format: format)) { harness async throws in
            let body = Array(text.utf8)
            let answer = try await harness.post(body: body, headers: ListenerHarness.avalaHeaders(body, event: "dataset.created"))
            #expect(answer.status == 400, "\(answer.body)")
            let reason = try #require(answer.json?["error"] as? String)
            #expect(reason.hasPrefix("expected a JSON object, got "), "\(reason)")
            #expect(try await harness.events().isEmpty)
        }
    }

    /// A webhook path takes POST only, and says so: 405 with `Allow: POST`, not a 404 that reads as a
    /// wrong path.
    @Test func otherMethodsOnAWebhookPathAre405WithAllow() async throws {
        try await ListenerHarness.with { harness async throws in
            let answer = try await harness.get("/webhooks/avala")
            #expect(answer.status == 405)
            #expect(answer.headers["Allow"] == ["POST"])
            #expect(try await harness.get("/webhooks/elsewhere").status == 404)
            #expect(try await harness.events().isEmpty)
        }
    }

    /// A port another listener holds: the error names `listener.bind` and the address, in words, not
    /// NIO's `bind(descriptor:ptr:bytes:)` and an errno.
    @Test func aPortInUseNamesListenerBindAndTheAddress() async throws {
        try await ListenerHarness.with { harness async throws in
            let port = try await harness.listener.waitUntilListening()
            var configuration = ListenerHarness.plainConfiguration()
            configuration.port = port
            let second = try WebhookListener(
                configuration: configuration,
                store: harness.store,
                logger: Logger(label: "second") { _ in SwiftLogNoOpLogHandler() }
            )
            let error = await #expect(throws: WebhookListenerError.self) { try await second.run() }
            #expect(error.map { "\($0)" } == "listener.bind 127.0.0.1:\(port): address already in use")
        }
    }

    /// A bind host that does not resolve is named with `listener.bind`, not as NIO's `UnknownHost`.
    @Test func aBindHostThatDoesNotResolveNamesListenerBind() async throws {
        try await ListenerHarness.with { harness async throws in
            var configuration = ListenerHarness.plainConfiguration()
            configuration.host = "avala-bot-test.invalid"
            configuration.port = 9
            let listener = try WebhookListener(
                configuration: configuration,
                store: harness.store,
                logger: Logger(label: "unresolved") { _ in SwiftLogNoOpLogHandler() }
            )
            let error = await #expect(throws: WebhookListenerError.self) { try await listener.run() }
            #expect(
                error.map { "\($0)" }
                    == "listener.bind avala-bot-test.invalid:9: no such host ('avala-bot-test.invalid' does not resolve to an address)"
            )
        }
    }

    @Test func theTypeComesFromTheBodyWhenNoHeaderNamesIt() async throws {
        try await ListenerHarness.with { harness async throws in
            let body = Array(#"{"event": "dataset.created", "data": {"uid": "ds-1", "name": "New"}}"#.utf8)
            let answer = try await harness.post(body: body, headers: ListenerHarness.avalaHeaders(body, event: nil))
            #expect(answer.status == 202)
            let event = try #require(try await harness.events().first?.event)
            #expect(event.type == .datasetCreated)
            #expect(event.subject == Event.Subject(kind: "dataset", uid: "ds-1"))
            let untyped = Array(#"{"uid": "x"}"#.utf8)
            #expect(try await harness.post(body: untyped, headers: ListenerHarness.avalaHeaders(untyped, event: nil, delivery: "d-3")).status == 400)
        }
    }

    @Test func theBotsOwnFormatIsStoredAsItIs() async throws {
        let configuration = ListenerHarness.plainConfiguration(format: .avalaBot)
        try await ListenerHarness.with(configuration) { harness async throws in
            let body = Array(#"{"type": "custom.thing", "id": "ev-7", "chain_depth": 2, "data": {"payload": {"n": 1}}}"#.utf8)
            #expect(try await harness.post(body: body, headers: ListenerHarness.avalaHeaders(body, event: nil, delivery: nil)).status == 202)
            let event = try #require(try await harness.events().first?.event)
            #expect(event.type == "custom.thing")
            #expect(event.keys == ["delivery:avala:ev-7"])
            #expect(event.chainDepth == 2)
            #expect(event.data == ["payload": ["n": 1]])
        }
    }

    /// An empty id or type counts as none: two deliveries with `"id": ""` are two events, not one and a
    /// duplicate of the key `delivery:avala:`.
    @Test func anEmptyIdOrTypeIsNone() async throws {
        let configuration = ListenerHarness.plainConfiguration(format: .avalaBot)
        try await ListenerHarness.with(configuration) { harness async throws in
            for n in 1...2 {
                let body = Array(#"{"type": "custom.thing", "id": "", "data": {"payload": {"n": \#(n)}}}"#.utf8)
                let answer = try await harness.post(body: body, headers: ListenerHarness.avalaHeaders(body, event: nil, delivery: ""))
                #expect(answer.status == 202, "\(answer.body)")
            }
            let events = try await harness.events()
            #expect(events.count == 2)
            #expect(events.allSatisfy { $0.event.keys.isEmpty })
            let untyped = Array(#"{"type": "", "data": {"payload": {}}}"#.utf8)
            let answer = try await harness.post(body: untyped, headers: ListenerHarness.avalaHeaders(untyped, event: nil, delivery: "d-9"))
            #expect(answer.status == 400)
            #expect(answer.body.contains("no event type"))
        }
    }

    /// An event type is a name: one that is a path, holds a space or a control character, or runs past
    /// 128 characters is refused (400), not stored; names of other senders (`pull_request`) pass.
    @Test func anEventTypeThatIsNoNameIsRefused() async throws {
        try await ListenerHarness.with { harness async throws in
            let body = Array(#"{"uid": "x"}"#.utf8)
            for (index, type) in ["../../etc", "export completed", "a;b", String(repeating: "a", count: 129)].enumerated() {
                let answer = try await harness.post(body: body, headers: ListenerHarness.avalaHeaders(body, event: type, delivery: "bad-\(index)"))
                #expect(answer.status == 400, "\(type)")
                #expect(answer.body.contains("is not a name"), "\(answer.body)")
            }
            for (index, inBody) in [#"{"type": "../x", "uid": "y"}"#, #"{"type": "a\u0001b", "uid": "y"}"#].map({ Array($0.utf8) }).enumerated() {
                let answer = try await harness.post(
                    body: inBody,
                    headers: ListenerHarness.avalaHeaders(inBody, event: nil, delivery: "body-\(index)")
                )
                #expect(answer.status == 400)
            }
            #expect(try await harness.events().isEmpty)
            for (index, type) in ["pull_request", "invoice.paid", "custom-thing:v2"].enumerated() {
                #expect(
                    try await harness.post(body: body, headers: ListenerHarness.avalaHeaders(body, event: type, delivery: "ok-\(index)")).status
                        == 202
                )
            }
        }
    }

    /// `bot.*` events are the bot's own: Avala's deliveries may not claim one (by header or body), a
    /// peer bot's (`avala-bot` format) may.
    @Test func aBotEventTypeIsRefusedFromAvala() async throws {
        try await ListenerHarness.with { harness async throws in
            let body = Array(#"{"uid": "x"}"#.utf8)
            let byHeader = try await harness.post(body: body, headers: ListenerHarness.avalaHeaders(body, event: "bot.roster.due", delivery: "d-1"))
            #expect(byHeader.status == 400)
            #expect(byHeader.body.contains("reserved for the bot's own events"))
            let inBody = Array(#"{"event": "bot.poller.failing", "uid": "x"}"#.utf8)
            #expect(try await harness.post(body: inBody, headers: ListenerHarness.avalaHeaders(inBody, event: nil, delivery: "d-2")).status == 400)
            #expect(try await harness.events().isEmpty)
            let refused = harness.logs.entries.filter { $0.message == "Webhook refused" }
            #expect(refused.count == 2)
            #expect(refused.allSatisfy { $0.metadata["status"] == "400" && "\($0.metadata["reason"] ?? "")".contains("reserved") }, "\(refused)")
        }
        try await ListenerHarness.with(ListenerHarness.plainConfiguration(format: .avalaBot)) { harness async throws in
            let body = Array(#"{"type": "bot.action.dead_lettered", "id": "peer-1", "data": {"action": "invite"}}"#.utf8)
            #expect(try await harness.post(body: body, headers: ListenerHarness.avalaHeaders(body, event: nil, delivery: nil)).status == 202)
            #expect(try await harness.events().first?.event.type == "bot.action.dead_lettered")
        }
    }

    /// Collects what a raw connection receives.
    final class Received: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let text = Mutex("")
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            text.withLock { $0 += String(buffer: buffer) }
        }
    }

    /// After a 413 the rest of an oversized body is not read to its end (over TLS every byte of it would
    /// be decrypted): the connection is closed about 1 MiB past the limit.
    @Test func theRestOfAnOversizedBodyIsNotRead() async throws {
        var configuration = ListenerHarness.plainConfiguration()
        configuration.maxBody = 64 * 1024
        try await ListenerHarness.with(configuration) { harness async throws in
            let port = try #require(URL(string: harness.baseURL)?.port)
            let received = Received()
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(received) } }
                .connect(host: "127.0.0.1", port: port).get()
            let declared = 256 << 20
            let head = "POST /webhooks/avala HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(declared)\r\n\r\n"
            try await channel.writeAndFlush(ByteBuffer(string: head)).get()
            let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
            var sent = 0
            while sent < declared, channel.isActive {
                do {
                    try await channel.writeAndFlush(chunk).get()
                } catch {
                    break
                }
                sent += chunk.readableBytes
            }
            try? await channel.close()
            #expect(sent < 64 << 20, "\(sent) bytes were read after the 413")
            #expect(received.text.withLock { $0 }.hasPrefix("HTTP/1.1 413"))
        }
    }

    @Test func aClientOverItsBucketGets429() async throws {
        var configuration = ListenerHarness.plainConfiguration()
        configuration.perIP = WebhookRateLimit(ratePerSecond: 0.001, burst: 2)
        try await ListenerHarness.with(configuration) { harness async throws in
            let headers = ListenerHarness.avalaHeaders(Self.exportBody)
            #expect(try await harness.post(body: Self.exportBody, headers: headers).status == 202)
            #expect(try await harness.post(body: Self.exportBody, headers: headers).status == 200)
            let limited = try await harness.post(body: Self.exportBody, headers: headers)
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "Retry-After") != nil)
            #expect(try await harness.post(body: Self.exportBody, headers: headers).status == 429)
            // Said at info, where an operator looks when deliveries fail, but once a minute, not per request.
            let logged = harness.logs.entries.filter { $0.message == "Webhook refused" && $0.level == .info }
            #expect(logged.count == 1)
            #expect(logged.first?.metadata["status"] == "429")
            #expect(logged.first?.metadata["reason"] == "rate limited")
        }
    }

    /// A client outside `allow_cidrs` is refused in the log at info, with its address, once a minute:
    /// when the sender's addresses change, every delivery fails, and the log must say why.
    @Test func aClientOutsideTheAllowlistIsLoggedOnceAMinute() async throws {
        var configuration = ListenerHarness.plainConfiguration()
        configuration.allowCIDRs = ["10.1.0.0/16"]
        try await ListenerHarness.with(configuration) { harness async throws in
            let signed = ListenerHarness.avalaHeaders(Self.exportBody)
            for _ in 0..<3 { #expect(try await harness.post(body: Self.exportBody, headers: signed).status == 403) }
            let refused = harness.logs.entries.filter { $0.message == "Webhook refused" }
            #expect(refused.filter { $0.level == .info }.count == 1)
            #expect(refused.filter { $0.level == .debug }.count == 2)
            let first = try #require(refused.first)
            #expect(first.level == .info)
            #expect(first.metadata["status"] == "403")
            #expect(first.metadata["client.address"] == "127.0.0.1")
        }
    }

    @Test func theAllowlistSeesTheClientBehindATrustedProxyOnly() async throws {
        var configuration = ListenerHarness.plainConfiguration()
        configuration.allowCIDRs = ["10.1.0.0/16", "2001:db8::/32"]
        configuration.trustedProxies = ["127.0.0.1/32"]
        try await ListenerHarness.with(configuration) { harness async throws in
            let signed = ListenerHarness.avalaHeaders(Self.exportBody)
            #expect(try await harness.post(body: Self.exportBody, headers: signed).status == 403)
            let allowed = try await harness.post(body: Self.exportBody, headers: signed + [("X-Forwarded-For", "203.0.113.9, 10.1.2.3")])
            #expect(allowed.status == 202)
            let outside = try await harness.post(body: Self.exportBody, headers: signed + [("X-Forwarded-For", "10.1.2.3, 192.0.2.1")])
            #expect(outside.status == 403)
            // Some proxies add the client's port.
            for hop in ["10.1.2.3:51234", "[2001:db8::7]:443"] {
                let answer = try await harness.post(body: Self.exportBody, headers: signed + [("X-Forwarded-For", hop)])
                #expect(answer.status == 200, "\(hop): \(answer.body)")  // the delivery is known by now: a duplicate
            }
            #expect(try await harness.post(body: Self.exportBody, headers: signed + [("X-Forwarded-For", "192.0.2.1:51234")]).status == 403)
        }
        // Without the proxy being trusted, the header is ignored.
        configuration.trustedProxies = []
        try await ListenerHarness.with(configuration) { harness async throws in
            let signed = ListenerHarness.avalaHeaders(Self.exportBody)
            #expect(try await harness.post(body: Self.exportBody, headers: signed + [("X-Forwarded-For", "10.1.2.3")]).status == 403)
        }
    }

    /// `/metrics` and `/status` show data, so the allowlist guards them as it guards the webhook paths;
    /// the probes stay open to whoever probes.
    @Test func theAllowlistGuardsMetricsAndStatusButNotTheProbes() async throws {
        var configuration = ListenerHarness.plainConfiguration()
        configuration.allowCIDRs = ["10.1.0.0/16"]
        configuration.trustedProxies = ["127.0.0.1/32"]
        configuration.metrics = { "avala_bot_up 1\n" }
        configuration.status = { "<html>recent events</html>" }
        try await ListenerHarness.with(configuration) { harness async throws in
            for path in ["/metrics", "/status"] {
                let refused = try await harness.get(path)
                #expect(refused.status == 403, "\(path)")
                #expect(!refused.body.contains("avala_bot_up") && !refused.body.contains("recent events"))
                var request = HTTPClientRequest(url: harness.baseURL + path)
                request.headers.add(name: "X-Forwarded-For", value: "10.1.2.3")
                #expect(try await harness.send(request).status == 200, "\(path)")
            }
            #expect(try await harness.get("/healthz").status == 200)
            #expect(try await harness.get("/readyz").status == 200)
        }
    }

    @Test func aBurstOfRejectionsRaisesOneEvent() async throws {
        var configuration = ListenerHarness.plainConfiguration()
        configuration.rejectedBurst = RejectedBurstPolicy(threshold: 3, window: .seconds(3_600))
        try await ListenerHarness.with(configuration) { harness async throws in
            for attempt in 0..<6 {
                let answer = try await harness.post(
                    body: Self.exportBody,
                    headers: ListenerHarness.avalaHeaders(Self.exportBody, secret: "forged-\(attempt)")
                )
                #expect(answer.status == 401)
            }
            let events = try await harness.events()
            #expect(events.count == 1)
            let event = try #require(events.first?.event)
            #expect(event.type == .botWebhookRejectedBurst)
            #expect(event.data["source"] == "avala")
            #expect(event.data["count"] == 3)
            #expect(event.data["reasons"]?["invalid signature"] == 3)
            #expect(event.keys.count == 1)
            #expect(event.keys[0].hasPrefix("bot.webhook.rejected_burst:avala:"))
            // A line per rejection until the burst is reported; after it, the flood is debug lines only.
            let rejected = harness.logs.entries.filter { $0.message == "Webhook rejected" }
            #expect(rejected.map(\.level) == [.info, .info, .info, .debug, .debug, .debug])
            #expect(harness.logs.entries.count { $0.message == "Webhook rejections in a burst" && $0.level == .warning } == 1)
        }
    }

    @Test func opsRoutesAnswer() async throws {
        try await ListenerHarness.with { harness async throws in
            #expect(try await harness.get("/healthz").status == 200)
            #expect(try await harness.get("/readyz").status == 200)
        }
    }

    @Test func severalPathsEachVerifyTheirOwnWay() async throws {
        var configuration = ListenerHarness.plainConfiguration()
        configuration.paths.append(
            WebhookPath(path: "/webhooks/gh", source: "github", verification: WebhookVerification(scheme: .github, secrets: ["gh-secret"]))
        )
        try await ListenerHarness.with(configuration) { harness async throws in
            let body = Array(#"{"action": "opened", "data": {"uid": "t-1"}}"#.utf8)
            // Signed for the avala path: refused on the github path.
            #expect(try await harness.post("/webhooks/gh", body: body, headers: ListenerHarness.avalaHeaders(body)).status == 401)
            let github = ListenerHarness.avalaHeaders(body, secret: "gh-secret", event: nil, delivery: nil)
            let headers = [
                ("X-Hub-Signature-256", "sha256=" + github[0].1), ("X-GitHub-Event", "task.completed"), ("X-GitHub-Delivery", "gd-1"),
            ]
            #expect(try await harness.post("/webhooks/gh", body: body, headers: headers).status == 202)
            let event = try #require(try await harness.events().first?.event)
            #expect(event.origin == "github")
            #expect(event.keys.contains("delivery:github:gd-1"))
        }
    }

    @Test func invalidConfigurationIsRefusedUpFront() throws {
        let logger = Logger(label: "test")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("listener-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteEventStore(path: path, logger: logger)
        defer { try? store.close() }
        // Neither TLS nor an explicit plain_http.
        #expect(throws: WebhookListenerError.self) {
            try WebhookListener(configuration: WebhookListenerConfiguration(), store: store, logger: logger)
        }
        var configuration = ListenerHarness.plainConfiguration()
        configuration.allowCIDRs = ["10.0.0.0/33"]
        #expect(throws: WebhookListenerError.self) {
            try WebhookListener(configuration: configuration, store: store, logger: logger)
        }
        let bind = try WebhookListenerConfiguration.parseBind("[::1]:8443")
        #expect(bind.host == "::1" && bind.port == 8443)
        #expect(throws: WebhookListenerError.self) { try WebhookListenerConfiguration.parseBind("8443") }
    }
}
