import AsyncHTTPClient
import BotEngine
import BotKit
import Foundation
import InMemoryLogging
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
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
        clientCertificate: Bool = false
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
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
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
        let certificates = try TestCertificates.make()
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

    @Test func aTLS11ClientIsRefused() async throws {
        let certificates = try TestCertificates.make()
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
        let first = try TestCertificates.make()
        let second = try TestCertificates.make()
        defer {
            first.remove()
            second.remove()
        }
        // The listener serves whatever is at these paths: the first pair now, the second after a reload.
        let served = try TestCertificates.make()
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
                    #expect(try await trustsFirst.execute(HTTPClientRequest(url: url), timeout: .seconds(5)).status == .ok)
                    await #expect(throws: (any Error).self) { _ = try await trustsSecond.execute(HTTPClientRequest(url: url), timeout: .seconds(5)) }

                    // A broken file is refused and the served pair stays.
                    try "not a certificate".write(toFile: served.certificatePath, atomically: true, encoding: .utf8)
                    #expect(throws: WebhookListenerError.self) { try harness.listener.reloadCertificates() }
                    #expect(try await trustsFirst.execute(HTTPClientRequest(url: url), timeout: .seconds(5)).status == .ok)

                    try install(second)
                    #expect(try harness.listener.reloadCertificates())
                    #expect(try await trustsSecond.execute(HTTPClientRequest(url: url), timeout: .seconds(5)).status == .ok)
                    // The same listener, same port: nothing was rebound.
                    #expect(try await harness.listener.waitUntilListening() == Int(harness.baseURL.split(separator: ":").last ?? "") ?? -1)
                }
            }
        }
    }

    @Test func mutualTLSNeedsAClientCertificateFromTheBundle() async throws {
        let certificates = try TestCertificates.make()
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

    @Test func aMissingCertificateFileIsAConfigurationError() throws {
        let certificates = try TestCertificates.make()
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
