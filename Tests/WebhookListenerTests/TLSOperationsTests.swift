import AsyncHTTPClient
import Foundation
import InMemoryLogging
import Logging
import NIOSSL
import TestSupport
import Testing

@testable import WebhookListener

/// What the operator of a TLS listener is told: handshakes that fail and why, a certificate about to
/// expire, a reload that changed the certificate (and not one that did not).
@Suite(.serialized) struct TLSOperationsTests {
    static func entries(_ harness: ListenerHarness, _ message: String) -> [InMemoryLogHandler.Entry] {
        harness.logs.entries.filter { "\($0.message)".hasPrefix(message) }
    }

    /// A client that offers only TLS 1.1 fails its handshake on the listener's side too: logged at info
    /// once a minute for the reason, with the client's address and BoringSSL's reason, then at debug.
    @Test func aHandshakeFailureIsLoggedOncePerReasonWithTheClient() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await TLSTests.withClient(try TLSTests.client(certificates, maximumVersion: .tlsv11)) { client in
            try await ListenerHarness.with(TLSTests.configuration(certificates), client: client) { harness async throws in
                for _ in 0..<2 {
                    await #expect(throws: (any Error).self) { _ = try await harness.get("/healthz") }
                }
                try await Eventually.until(timeout: .seconds(10)) { Self.entries(harness, "TLS handshake failed").count >= 2 }
                let failures = Self.entries(harness, "TLS handshake failed")
                let logged = failures.filter { $0.level == .info }
                #expect(logged.count == 1, "\(failures)")
                let first = try #require(logged.first)
                #expect(first.metadata["tls.reason"] == "unsupported_protocol", "\(first.metadata)")
                #expect(first.metadata["client.address"] == "127.0.0.1", "\(first.metadata)")
                #expect("\(first.metadata["tls.hint"] ?? "")".contains("listener.tls.min_version"), "\(first.metadata)")
                #expect(failures.dropFirst().allSatisfy { $0.level == .debug }, "\(failures)")
            }
        }
    }

    /// With mTLS, a client that sends no certificate is named, with its own reason.
    @Test func aMissingClientCertificateIsLoggedWithItsReason() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let configuration = TLSTests.configuration(certificates, clientCA: certificates.clientCertificatePath)
        try await TLSTests.withClient(try TLSTests.client(certificates)) { client in
            try await ListenerHarness.with(configuration, client: client) { harness async throws in
                await #expect(throws: (any Error).self) { _ = try await harness.get("/healthz") }
                try await Eventually.until(timeout: .seconds(10)) { !Self.entries(harness, "TLS handshake failed").isEmpty }
                let failure = try #require(Self.entries(harness, "TLS handshake failed").first)
                #expect(failure.level == .info)
                #expect(failure.metadata["tls.reason"] == "peer_did_not_return_a_certificate", "\(failure.metadata)")
                #expect("\(failure.metadata["tls.hint"] ?? "")".contains("listener.tls.client_ca"), "\(failure.metadata)")
            }
        }
    }

    /// A client whose CA bundle does not hold the listener's CA refuses the handshake with an alert: the
    /// log says so, and points at `listener.tls.cert`.
    @Test func aClientThatDoesNotTrustTheCertificateIsLogged() async throws {
        let certificates = try await TestCertificates.make()
        let other = try await TestCertificates.make()
        defer {
            certificates.remove()
            other.remove()
        }
        try await TLSTests.withClient(try TLSTests.client(other)) { client in
            try await ListenerHarness.with(TLSTests.configuration(certificates), client: client) { harness async throws in
                await #expect(throws: (any Error).self) { _ = try await harness.get("/healthz") }
                try await Eventually.until(timeout: .seconds(10)) { !Self.entries(harness, "TLS handshake failed").isEmpty }
                let failure = try #require(Self.entries(harness, "TLS handshake failed").first)
                #expect(failure.level == .info)
                #expect("\(failure.metadata["tls.hint"] ?? "")".contains("listener.tls.cert"), "\(failure.metadata)")
            }
        }
    }

    @Test func reasonsAreBoringSSLsCodesInLowerCase() {
        func reason(_ description: String) -> String {
            TLSHandshakeFailureLog.label(TLSHandshakeFailureLog.reasonCode(in: description))
        }
        #expect(
            reason("Error: 268435696 error:100000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL at /src/ssl/handshake.cc:123")
                == "unsupported_protocol"
        )
        #expect(reason("Error:  EOF during handshake") == "eof_during_handshake")
    }

    /// A certificate two days from its end is warned about when the listener starts, at each reload, and
    /// again at each check while it serves (a day apart by default; shortened here).
    @Test func aCertificateNearItsEndIsWarnedAboutAtStartReloadAndWhileServing() async throws {
        let certificates = try await TestCertificates.make(days: 2)
        defer { certificates.remove() }
        var configuration = TLSTests.configuration(certificates)
        configuration.certificateCheckInterval = .milliseconds(100)
        let notAfter = try #require(try NIOSSLCertificate.fromPEMFile(certificates.certificatePath).first).notValidAfter
        try await ListenerHarness.with(configuration) { harness async throws in
            let atStart = Self.entries(harness, "Listener certificate expires soon")
            #expect(atStart.count >= 1, "logged before the listener serves")
            let warning = try #require(atStart.first)
            #expect(warning.level == .warning)
            #expect(warning.metadata["tls.cert"] == "\(certificates.certificatePath)")
            let expires = Date(timeIntervalSince1970: TimeInterval(notAfter)).formatted(.iso8601)
            #expect(warning.metadata["tls.certificate.expires"] == "\(expires)", "\(warning.metadata)")
            #expect("\(warning.metadata["tls.certificate.expires_in"] ?? "")".hasPrefix("1d23h"), "\(warning.metadata)")
            try await Eventually.until(timeout: .seconds(10)) { Self.entries(harness, "Listener certificate expires soon").count >= 3 }
            let before = Self.entries(harness, "Listener certificate expires soon").count
            try harness.listener.reloadCertificates()
            #expect(Self.entries(harness, "Listener certificate expires soon").count > before)
        }
        // One valid for a month is not warned about, at start or at a reload.
        let lasting = try await TestCertificates.make(days: 30)
        defer { lasting.remove() }
        try await ListenerHarness.with(TLSTests.configuration(lasting)) { harness async throws in
            try harness.listener.reloadCertificates()
            #expect(Self.entries(harness, "Listener certificate expires soon").isEmpty)
        }
    }

    /// A SIGHUP that finds the certificate as it was says so at debug only; "reloaded" is for a new one.
    @Test func aReloadOfTheSameCertificateIsNotAnnouncedAsAReload() async throws {
        let served = try await TestCertificates.make(days: 30)
        let renewed = try await TestCertificates.make(days: 30)
        defer {
            served.remove()
            renewed.remove()
        }
        try await ListenerHarness.with(TLSTests.configuration(served)) { harness async throws in
            #expect(try harness.listener.reloadCertificates())
            #expect(try harness.listener.reloadCertificates())
            #expect(Self.entries(harness, "Listener certificate reloaded").isEmpty)
            let unchanged = Self.entries(harness, "Listener certificate unchanged")
            #expect(unchanged.count == 2)
            #expect(unchanged.allSatisfy { $0.level == .debug })
            for (from, to) in [(renewed.certificatePath, served.certificatePath), (renewed.keyPath, served.keyPath)] {
                try FileManager.default.removeItem(atPath: to)
                try FileManager.default.copyItem(atPath: from, toPath: to)
            }
            #expect(try harness.listener.reloadCertificates())
            let reloaded = Self.entries(harness, "Listener certificate reloaded")
            #expect(reloaded.count == 1)
            #expect(reloaded.first?.level == .notice)
            let certificate = "\(reloaded.first?.metadata["tls.certificate"] ?? "")"
            #expect(certificate.hasPrefix("serial "), "tls.certificate: \(certificate)")
        }
    }
}
