import AsyncHTTPClient
import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import TestSupport
import Testing
import WebhookListener

/// Real handshakes against a certificate made for the test.
@Suite(.serialized) struct TLSTests {
    static func configuration(_ certificates: TestCertificates, clientCA: String? = nil) -> WebhookListenerConfiguration {
        var configuration = ListenerHarness.plainConfiguration()
        configuration.plainHTTP = false
        configuration.tls = WebhookTLS(
            certificateChainPath: certificates.certificatePath,
            privateKeyPath: certificates.keyPath,
            clientCAPath: clientCA
        )
        return configuration
    }

    static func client(
        _ certificates: TestCertificates,
        maximumVersion: TLSVersion? = nil,
        clientCertificate: Bool = false,
        presenting authority: TestCertificates.ClientAuthority? = nil,
        httpVersion: HTTPClient.Configuration.HTTPVersion = .automatic
    ) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificates.certificatePath))
        if let maximumVersion {
            tls.minimumTLSVersion = .tlsv1
            tls.maximumTLSVersion = maximumVersion
        }
        if clientCertificate {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificates.clientCertificatePath).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: certificates.clientKeyPath, format: .pem))
        }
        if let authority {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(authority.clientCertificatePath).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: authority.clientKeyPath, format: .pem))
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = httpVersion
        // A failed handshake must fail now, not after retrying until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    @discardableResult
    static func withClient<T>(_ client: HTTPClient, _ body: (HTTPClient) async throws -> T) async throws -> T {
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    @Test func aSignedDeliveryOverTLSIsAccepted() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await Self.withClient(try Self.client(certificates)) { client in
            try await ListenerHarness.with(Self.configuration(certificates), client: client) { harness async throws in
                #expect(harness.baseURL.hasPrefix("https://"))
                let body = ListenerTests.exportBody
                #expect(try await harness.post(body: body, headers: ListenerHarness.avalaHeaders(body)).status == 202)
                #expect(try await harness.events().count == 1)
            }
        }
    }

    /// A POST and the HTTP version it was answered over.
    static func post(
        _ client: HTTPClient,
        _ harness: ListenerHarness,
        body: [UInt8],
        headers: [(String, String)],
        streamed: Bool = false
    ) async throws -> (status: Int, version: HTTPVersion) {
        var request = HTTPClientRequest(url: harness.baseURL + "/webhooks/avala")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if streamed {
            // Without a length, in small chunks: the limit must hold while reading.
            let chunks = stride(from: 0, to: body.count, by: 16).map { ByteBuffer(bytes: body[$0..<min($0 + 16, body.count)]) }
            let stream = AsyncStream<ByteBuffer> { continuation in
                for chunk in chunks { continuation.yield(chunk) }
                continuation.finish()
            }
            request.body = .stream(stream, length: .unknown)
        } else {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.version)
    }

    @Test func aSignedDeliveryOverHTTP2IsAcceptedAndAnHTTP1ClientStillWorks() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let http1Only = try Self.client(certificates, httpVersion: .http1Only)
        try await Self.withClient(try Self.client(certificates)) { client in
            try await Self.withClient(http1Only) { http1Only in
                try await ListenerHarness.with(Self.configuration(certificates), client: client) { harness async throws in
                    let body = ListenerTests.exportBody
                    let accepted = try await Self.post(client, harness, body: body, headers: ListenerHarness.avalaHeaders(body))
                    #expect(accepted.status == 202)
                    #expect(accepted.version == .http2)
                    #expect(try await harness.events().count == 1)
                    // The same delivery again is a duplicate, a wrong signature is 401: as over HTTP/1.1.
                    let again = try await Self.post(client, harness, body: body, headers: ListenerHarness.avalaHeaders(body))
                    #expect(again.status == 200)
                    let forged = try await Self.post(
                        client,
                        harness,
                        body: body,
                        headers: ListenerHarness.avalaHeaders(body, secret: "not-the-secret", delivery: "d-2")
                    )
                    #expect(forged.status == 401)
                    #expect(forged.version == .http2)

                    // A client that offers only http/1.1 gets it from the same listener.
                    let small = Array(#"{"uid": "e-1"}"#.utf8)
                    let overHTTP1 = try await Self.post(
                        http1Only,
                        harness,
                        body: small,
                        headers: ListenerHarness.avalaHeaders(small, delivery: "d-3")
                    )
                    #expect(overHTTP1.status == 202)
                    #expect(overHTTP1.version == .http1_1)
                    #expect(try await harness.events().count == 2)
                }
            }
        }
    }

    @Test func withHTTP2OffTheListenerSpeaksHTTP1Only() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        var configuration = Self.configuration(certificates)
        configuration.http2 = false
        try await Self.withClient(try Self.client(certificates)) { client in
            try await ListenerHarness.with(configuration, client: client) { harness async throws in
                let body = ListenerTests.exportBody
                let answer = try await Self.post(client, harness, body: body, headers: ListenerHarness.avalaHeaders(body))
                #expect(answer.status == 202)
                #expect(answer.version == .http1_1)
            }
        }
    }

    /// A client that keeps its connection open and never sends close_notify does not hold up a graceful
    /// stop: the listener waits ``TLSConfigurationLoader/closeNotifyWait`` for it, not swift-nio-ssl's
    /// default 5 s.
    @Test func anIdleKeepAliveClientDoesNotHoldUpTheStop() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        var configuration = Self.configuration(certificates)
        configuration.http2 = false
        try await Self.withClient(try Self.client(certificates)) { client in
            let stoppingAt = Mutex<ContinuousClock.Instant?>(nil)
            try await ListenerHarness.with(configuration, client: client) { harness async throws in
                let body = ListenerTests.exportBody
                let answer = try await Self.post(client, harness, body: body, headers: ListenerHarness.avalaHeaders(body))
                #expect(answer.status == 202)
                stoppingAt.withLock { $0 = .now }
            }
            let stop = try #require(stoppingAt.withLock { $0 }).duration(to: .now)
            #expect(stop < .seconds(3), "the stop waited \(stop) for an idle client")
        }
    }

    @Test func aBodyOverTheLimitIs413OverHTTP2() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        var configuration = Self.configuration(certificates)
        configuration.maxBody = 64
        try await Self.withClient(try Self.client(certificates)) { client in
            try await ListenerHarness.with(configuration, client: client) { harness async throws in
                let big = Array(("{\"uid\": \"" + String(repeating: "x", count: 200) + "\"}").utf8)
                let declared = try await Self.post(client, harness, body: big, headers: ListenerHarness.avalaHeaders(big))
                #expect(declared.status == 413)
                #expect(declared.version == .http2)
                let streamed = try await Self.post(client, harness, body: big, headers: ListenerHarness.avalaHeaders(big), streamed: true)
                #expect(streamed.status == 413)
                #expect(streamed.version == .http2)
                // The connection is still good for the next delivery.
                let small = Array(#"{"uid": "e-1"}"#.utf8)
                let accepted = try await Self.post(client, harness, body: small, headers: ListenerHarness.avalaHeaders(small))
                #expect(accepted.status == 202)
                #expect(accepted.version == .http2)
                #expect(try await harness.events().count == 1)
            }
        }
    }

    @Test func aStalledBodyIs408OverHTTP2() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        var configuration = Self.configuration(certificates)
        configuration.requestTimeout = .milliseconds(500)
        try await Self.withClient(try Self.client(certificates)) { client in
            try await ListenerHarness.with(configuration, client: client) { harness async throws in
                var request = HTTPClientRequest(url: harness.baseURL + "/webhooks/avala")
                request.method = .POST
                let stream = AsyncStream<ByteBuffer> { continuation in
                    continuation.yield(ByteBuffer(string: "{\"uid\": "))
                    Task {
                        try? await Task.sleep(for: .seconds(3))
                        continuation.finish()
                    }
                }
                request.body = .stream(stream, length: .unknown)
                let response = try await client.execute(request, timeout: .seconds(10))
                #expect(response.status == .requestTimeout)
                #expect(response.version == .http2)
            }
        }
    }

    /// A client that connects and never finishes its TLS handshake is disconnected after
    /// `request_timeout`, with HTTP/2 on (whose HTTP timers start only after the handshake) or off.
    @Test(arguments: [true, false])
    func aHandshakeThatNeverFinishesIsCutOff(http2: Bool) async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        var configuration = Self.configuration(certificates)
        configuration.http2 = http2
        configuration.requestTimeout = .milliseconds(500)
        try await ListenerHarness.with(configuration) { harness async throws in
            let port = try #require(URL(string: harness.baseURL)?.port)
            // Taken before the connect: the listener's deadline starts when it accepts, which may be well
            // before this task runs again after the connect on a loaded machine.
            let opened = ContinuousClock.now
            // Plain TCP: not a byte of a ClientHello is sent.
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            do {
                try await Eventually.until(timeout: .seconds(10)) { !channel.isActive }
            } catch {
                // Left open, it would hold up the listener's stop as well.
                try? await channel.close()
                throw error
            }
            let open = opened.duration(to: .now)
            #expect(open >= .milliseconds(400), "closed after \(open), before the deadline")
            #expect(open < .seconds(5), "closed only after \(open)")
        }
    }

    /// A sender whose URL says http:// instead of https:// gets a plain-HTTP 400 that says so, not an empty
    /// reply, and the log says so once (not once per request); TLS clients are served as before.
    @Test(arguments: [true, false])
    func plainHTTPOnTheTLSPortIs400SayingHTTPS(http2: Bool) async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        var configuration = Self.configuration(certificates)
        configuration.http2 = http2
        try await Self.withClient(try Self.client(certificates)) { client in
            try await ListenerHarness.with(configuration, client: client) { harness async throws in
                let plainURL = harness.baseURL.replacingOccurrences(of: "https://", with: "http://") + "/webhooks/avala"
                for _ in 0..<2 {
                    var request = HTTPClientRequest(url: plainURL)
                    request.method = .POST
                    request.body = .bytes(ByteBuffer(string: "{}"))
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
                    #expect(response.status == .badRequest)
                    let body = String(buffer: try await response.body.collect(upTo: 1 << 16))
                    #expect(body == #"{"error":"this port serves HTTPS: send to https:// instead of http://"}"#)
                }
                let notices = harness.logs.entries.filter { "\($0.message)".hasPrefix("Plain HTTP request on the TLS listener refused") }
                #expect(notices.count == 1)
                #expect(notices.first?.level == .warning)
                #expect(try await harness.get("/healthz").status == 200)
            }
        }
    }

    /// A connection still before its handshake when the listener stops has no request to finish: it is
    /// closed at once, and does not hold the stop (and the process's) until its deadline.
    @Test(arguments: [true, false])
    func aStoppingListenerDoesNotWaitForAHandshake(http2: Bool) async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        var configuration = Self.configuration(certificates)
        configuration.http2 = http2
        configuration.requestTimeout = .seconds(30)
        let (channel, opened) = try await ListenerHarness.with(configuration) { harness async throws in
            let port = try #require(URL(string: harness.baseURL)?.port)
            // Plain TCP: not a byte of a ClientHello is sent.
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            return (channel, ContinuousClock.now)
        }
        let stopped = opened.duration(to: .now)
        #expect(stopped < .seconds(15), "the listener took \(stopped) to stop, as long as the handshake deadline")
        // The listener closed it: the client sees the close as soon as its event loop reads it.
        await #expect(throws: Never.self) { try await Eventually.until(timeout: .seconds(10)) { !channel.isActive } }
        try? await channel.close()
    }

    /// The deadline ends with the handshake: a connection that finished it is served, for as long as
    /// its requests keep coming, past the handshake deadline.
    @Test func aCompletedHandshakeIsNotCutOff() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        var configuration = Self.configuration(certificates)
        configuration.requestTimeout = .milliseconds(500)
        try await Self.withClient(try Self.client(certificates)) { client in
            try await ListenerHarness.with(configuration, client: client) { harness async throws in
                let started = ContinuousClock.now
                var deliveries = 0
                // One connection (HTTP/2) carries them all, for well over the handshake deadline.
                while started.duration(to: .now) < .milliseconds(1_500) {
                    let body = Array(#"{"uid": "e-\#(deliveries)", "status": "exported"}"#.utf8)
                    let answer = try await Self.post(
                        client,
                        harness,
                        body: body,
                        headers: ListenerHarness.avalaHeaders(body, delivery: "d-\(deliveries)")
                    )
                    #expect(answer.status == 202)
                    deliveries += 1
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(try await harness.events().count == deliveries)
            }
        }
    }

    @Test func aStoreThatCannotWriteIs503OverHTTP2() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let broken: @Sendable (SQLiteEventStore) -> any EventStore = { BrokenStore($0) }
        try await Self.withClient(try Self.client(certificates)) { client in
            try await ListenerHarness.with(Self.configuration(certificates), wrapStore: broken, client: client) { harness async throws in
                let body = ListenerTests.exportBody
                let answer = try await Self.post(client, harness, body: body, headers: ListenerHarness.avalaHeaders(body))
                #expect(answer.status == 503)
                #expect(answer.version == .http2)
                #expect(try await harness.events().isEmpty)
            }
        }
    }

    @Test func aTLS11ClientIsRefused() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await Self.withClient(try Self.client(certificates, maximumVersion: .tlsv11)) { client in
            try await ListenerHarness.with(Self.configuration(certificates), client: client) { harness async throws in
                await #expect(throws: (any Error).self) {
                    _ = try await harness.get("/healthz")
                }
            }
        }
        // The same client allowed TLS 1.2 gets through: the refusal was about the version.
        try await Self.withClient(try Self.client(certificates, maximumVersion: .tlsv12)) { client in
            try await ListenerHarness.with(Self.configuration(certificates), client: client) { harness async throws in
                #expect(try await harness.get("/healthz").status == 200)
            }
        }
    }

    @Test func certificatesAreReloadedWithoutDroppingTheListener() async throws {
        let first = try await TestCertificates.make()
        let second = try await TestCertificates.make()
        defer {
            first.remove()
            second.remove()
        }
        // The listener serves whatever is at these paths: the first pair now, the second after a reload.
        let served = try await TestCertificates.make()
        defer { served.remove() }
        @Sendable func install(_ certificates: TestCertificates) throws {
            for (from, to) in [(certificates.certificatePath, served.certificatePath), (certificates.keyPath, served.keyPath)] {
                try? FileManager.default.removeItem(atPath: to)
                try FileManager.default.copyItem(atPath: from, toPath: to)
            }
        }
        try install(first)
        let trustsFirst = try Self.client(first)
        let trustsSecond = try Self.client(second)
        try await Self.withClient(trustsFirst) { trustsFirst in
            try await Self.withClient(trustsSecond) { trustsSecond in
                try await ListenerHarness.with(Self.configuration(served), client: trustsFirst) { harness async throws in
                    let url = harness.baseURL + "/healthz"
                    let firstAnswer = try await trustsFirst.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
                    #expect(firstAnswer.status == .ok)
                    #expect(firstAnswer.version == .http2, "the reload is tested over HTTP/2, the default")
                    await #expect(throws: (any Error).self) { _ = try await trustsSecond.execute(HTTPClientRequest(url: url), timeout: .seconds(5)) }

                    // A broken file is refused and the served pair stays.
                    try "not a certificate".write(toFile: served.certificatePath, atomically: true, encoding: .utf8)
                    #expect(throws: WebhookListenerError.self) { try harness.listener.reloadCertificates() }
                    #expect(try await trustsFirst.execute(HTTPClientRequest(url: url), timeout: .seconds(5)).status == .ok)

                    // An expired certificate (with the right key) is refused: swapped in, it would fail
                    // every handshake from then on.
                    try? FileManager.default.removeItem(atPath: served.certificatePath)
                    try await first.makeExpiredCertificate(at: served.certificatePath)
                    let expired = #expect(throws: WebhookListenerError.self) { try harness.listener.reloadCertificates() }
                    #expect(expired?.message.hasPrefix("listener.tls.cert: '\(served.certificatePath)' expired at ") == true)
                    // A new connection (a new handshake, not the pooled one) still gets the first pair.
                    try await Self.withClient(try Self.client(first)) { fresh async throws in
                        #expect(try await fresh.execute(HTTPClientRequest(url: url), timeout: .seconds(5)).status == .ok)
                    }

                    // Half a renewal (the second certificate, still the first key) is refused too.
                    try? FileManager.default.removeItem(atPath: served.certificatePath)
                    try FileManager.default.copyItem(atPath: second.certificatePath, toPath: served.certificatePath)
                    let mismatch = #expect(throws: WebhookListenerError.self) { try harness.listener.reloadCertificates() }
                    #expect(mismatch?.message.contains("is not the key of the certificate") == true)
                    #expect(try await trustsFirst.execute(HTTPClientRequest(url: url), timeout: .seconds(5)).status == .ok)

                    try install(second)
                    #expect(try harness.listener.reloadCertificates())
                    let secondAnswer = try await trustsSecond.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
                    #expect(secondAnswer.status == .ok)
                    #expect(secondAnswer.version == .http2)
                    // The same listener, same port: nothing was rebound.
                    #expect(try await harness.listener.waitUntilListening() == Int(harness.baseURL.split(separator: ":").last ?? "") ?? -1)
                }
            }
        }
    }

    @Test func mutualTLSNeedsAClientCertificateFromTheBundle() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let configuration = Self.configuration(certificates, clientCA: certificates.clientCertificatePath)
        try await Self.withClient(try Self.client(certificates)) { client in
            try await ListenerHarness.with(configuration, client: client) { harness async throws in
                await #expect(throws: (any Error).self) {
                    _ = try await harness.get("/healthz")
                }
            }
        }
        try await Self.withClient(try Self.client(certificates, clientCertificate: true)) { client in
            try await ListenerHarness.with(configuration, client: client) { harness async throws in
                #expect(try await harness.get("/healthz").status == 200)
            }
        }
    }

    @Test func aMissingCertificateFileIsAConfigurationError() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        var configuration = Self.configuration(certificates)
        configuration.tls?.privateKeyPath = certificates.directory.appendingPathComponent("absent.key").path
        let logger = Logger(label: "test")
        let path = certificates.directory.appendingPathComponent("events.sqlite").path
        let store = try SQLiteEventStore(path: path, logger: logger)
        defer { try? store.close() }
        #expect(throws: WebhookListenerError.self) {
            try WebhookListener(configuration: configuration, store: store, logger: logger)
        }
    }
}
