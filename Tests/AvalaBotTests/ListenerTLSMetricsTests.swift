import AsyncHTTPClient
import BotEngine
import Foundation
import Logging
import NIOCore
import NIOSSL
import TestSupport
import Testing
import WebhookListener

@testable import AvalaBot

/// What `/metrics` says about the listener's TLS: when the served certificate expires, and the handshakes
/// that failed, by reason. Recorded in the process's registry, which ``EndToEndTests`` bootstraps.
@Suite struct ListenerTLSMetricsTests {
    @Test func theCertificatesExpiryAndFailedHandshakesAreExported() async throws {
        let metrics = EndToEndTests.metrics
        let certificates = try await TestCertificates.make(days: 3)
        defer { certificates.remove() }
        let logger = Logger(label: "tls-metrics-test")
        let storePath = certificates.directory.appendingPathComponent("events.sqlite").path
        let store = try SQLiteEventStore(path: storePath, logger: logger)
        defer { try? store.close() }
        try await store.migrate()
        let configuration = WebhookListenerConfiguration(
            host: "127.0.0.1",
            port: 0,
            paths: [WebhookPath(verification: WebhookVerification(scheme: .avala, secrets: ["a-secret-of-sixteen-bytes-or-more"]))],
            tls: WebhookTLS(certificateChainPath: certificates.certificatePath, privateKeyPath: certificates.keyPath)
        )
        let listener = try WebhookListener(configuration: configuration, store: store, logger: logger)
        let failures = #"avala_bot_webhook_tls_handshake_failures_total{reason="unsupported_protocol"}"#
        let before = EndToEndTests.value(failures, in: await metrics.render(store: store)) ?? 0
        // Offers TLS 1.1 at most: the listener takes 1.2 and up.
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificates.certificatePath))
        tls.minimumTLSVersion = .tlsv1
        tls.maximumTLSVersion = .tlsv11
        var clientConfiguration = HTTPClient.Configuration(tlsConfiguration: tls)
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        do {
            try await ServiceGroupRunner.whileRunning(listener, logger: logger) {
                let port = try await listener.waitUntilListening()
                await #expect(throws: (any Error).self) {
                    _ = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
                }
                try await Eventually.until(timeout: .seconds(10)) {
                    EndToEndTests.value(failures, in: await metrics.render(store: store)) ?? 0 >= before + 1
                }
            }
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
        let scrape = await metrics.render(store: store)
        let leaf = try #require(try NIOSSLCertificate.fromPEMFile(certificates.certificatePath).first)
        let expiry = #"avala_bot_webhook_tls_certificate_expiry_timestamp_seconds{path="\#(certificates.certificatePath)"}"#
        #expect(EndToEndTests.value(expiry, in: scrape) == Double(leaf.notValidAfter), "\(scrape)")
        for name in ["avala_bot_webhook_tls_certificate_expiry_timestamp_seconds", "avala_bot_webhook_tls_handshake_failures_total"] {
            #expect(scrape.contains("# HELP \(name) "), "\(name) has no # HELP")
        }
    }
}
